import { parseConfig } from "@warden/auth-core";
import { describeEachDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { bootstrap, type Running } from "../bootstrap.js";
import { type Context, createInnerContext } from "../context.js";
import { createLogger } from "../logger.js";
import { appRouter } from "../router.js";
import { createCallerFactory, protectedProcedure, publicProcedure, router } from "../trpc.js";
import { directMutations, directQueries } from "./direct-query.js";

/** Every query procedure of the app router, by dotted path. */
const procedures = appRouter._def.procedures as unknown as Record<
  string,
  ((opts: Record<string, unknown>) => Promise<unknown>) & { _def: { type: string } }
>;
const queryPaths = Object.keys(procedures).filter(
  (path) => procedures[path]?._def.type === "query",
);
const mutationPaths = Object.keys(procedures).filter(
  (path) => procedures[path]?._def.type === "mutation",
);

describe("direct queries", () => {
  it("every query procedure of the API has a direct form", () => {
    expect([...directQueries(appRouter).keys()].sort()).toEqual([...queryPaths].sort());
  });

  it("every mutation procedure of the API has a direct form", () => {
    expect([...directMutations(appRouter).keys()].sort()).toEqual([...mutationPaths].sort());
  });

  it("a query with another middleware, a second input or no guard keeps going through tRPC", () => {
    const extra = router({
      piped: publicProcedure.use(({ next }) => next()).query(() => 1),
      twoInputs: protectedProcedure
        .input(z.object({ a: z.string() }))
        .input(z.object({ b: z.string() }))
        .query(() => 2),
      mutation: publicProcedure.mutation(() => 3),
    });
    expect([...directQueries(extra).keys()]).toEqual([]);
    expect([...directMutations(extra).keys()]).toEqual(["mutation"]);
    const pipedMutation = router({
      piped: publicProcedure.use(({ next }) => next()).mutation(() => 1),
    });
    expect([...directMutations(pipedMutation).keys()]).toEqual([]);
  });
});

/** The outcome of one call of `path`, through tRPC's procedure and through its direct form. */
async function bothWays(
  path: string,
  type: "query" | "mutation",
  ctx: Context,
  input: unknown,
): Promise<{ viaTrpc: Outcome; viaDirect: Outcome }> {
  const direct = (type === "query" ? directQueries : directMutations)(appRouter).get(path);
  const procedure = procedures[path];
  if (!direct || !procedure) throw new Error(`no ${path}`);
  const viaTrpc = await outcome(() =>
    procedure({
      path,
      getRawInput: async () => input,
      ctx,
      type,
      signal: undefined,
      batchIndex: 0,
    }),
  );
  return { viaTrpc, viaDirect: await outcome(() => direct(ctx, input, path)) };
}

type Outcome = Awaited<ReturnType<typeof outcome>>;

/** What a call ends with, comparable across the two ways of making it. */
async function outcome(call: () => Promise<unknown>) {
  try {
    return { data: await call() };
  } catch (error) {
    const { code, message, cause } = error as Error & { code: string; cause?: unknown };
    const type = (error as Error).constructor.name;
    return { error: { type, code, message, cause: cause?.constructor.name } };
  }
}

/** The server's dependencies over `database`, silent, as the server would wire them. */
function bootstrapOn(database: { url: string }): Promise<Running> {
  const config = parseConfig({
    DATABASE_URL: database.url,
    BCRYPT_COST: "10",
    WARDEN_ISSUER: "http://warden.test",
  });
  return bootstrap(config, createLogger("silent"));
}

/*
 * Each query's direct form against tRPC's own call of the procedure, on the
 * same context and input: the same data, or the same error (code, message
 * and the kind of its cause, which error formatting reads).
 */
describeEachDatabase("direct queries agree with tRPC's procedure call", (current) => {
  let running: Running;
  let contexts: Record<string, Context>;

  beforeAll(async () => {
    running = await bootstrapOn(current());
    const caller = createCallerFactory(appRouter)(createInnerContext(running.deps));
    const username = `direct_${Date.now().toString(36)}`;
    const password = "tangerine-orbit-47";
    await caller.auth.register({
      username,
      email: `${username}@example.com`,
      name: username,
      password,
    });
    const login = await caller.auth.login({ username, password });
    if ("mfaRequired" in login) throw new Error("no two-factor login was set up");
    const { accessToken } = login;
    await running.deps.warden.posts.create(
      (await running.deps.warden.users.findByUsername(username))?.id as string,
      { title: "A post", content: "Its body", published: true },
    );
    const withToken = (authorization?: string) =>
      createInnerContext(running.deps, { ...(authorization ? { authorization } : {}) });
    contexts = {
      anonymous: withToken(),
      user: withToken(`Bearer ${accessToken}`),
      "bad token": withToken("Bearer x.y.z"),
    };
  }, 60_000);
  afterAll(async () => running?.close());

  const inputs: Record<string, unknown> = {
    none: undefined,
    empty: {},
    "a name": { name: "Ada" },
    "an empty name": { name: "" },
    "a NUL": { name: "A\u0000da" },
    "an id": { id: "missing" },
    "a page": { limit: 1 },
    "a bad page": { limit: 0 },
    "not an object": 42,
  };

  it.each(queryPaths)("%s", async (path) => {
    for (const [who, ctx] of Object.entries(contexts)) {
      for (const [what, input] of Object.entries(inputs)) {
        const { viaTrpc, viaDirect } = await bothWays(path, "query", ctx, input);
        expect({ who, what, ...viaDirect }).toEqual({ who, what, ...viaTrpc });
      }
    }
  });
});

/*
 * Each mutation's direct form against tRPC's own call, on input no mutation
 * takes (so neither call changes anything): the same error either way. Their
 * successes are compared over HTTP (e2e/wire-format.e2e.test.ts), where a
 * fresh id or token is expected to differ.
 */
describeEachDatabase("direct mutations fail as tRPC's procedure call does", (current) => {
  let running: Running;
  let contexts: Record<string, Context>;

  beforeAll(async () => {
    running = await bootstrapOn(current());
    contexts = {
      anonymous: createInnerContext(running.deps),
      "bad token": createInnerContext(running.deps, { authorization: "Bearer x.y.z" }),
    };
  }, 60_000);
  afterAll(async () => running?.close());

  const inputs: Record<string, unknown> = {
    "not an object": 42,
    "a NUL": { name: "A\u0000da", title: "A\u0000", username: "\u0000" },
  };

  it.each(mutationPaths)("%s", async (path) => {
    for (const [who, ctx] of Object.entries(contexts)) {
      for (const [what, input] of Object.entries(inputs)) {
        const { viaTrpc, viaDirect } = await bothWays(path, "mutation", ctx, input);
        expect(viaTrpc).toHaveProperty("error");
        expect({ who, what, ...viaDirect }).toEqual({ who, what, ...viaTrpc });
      }
    }
  });
});
