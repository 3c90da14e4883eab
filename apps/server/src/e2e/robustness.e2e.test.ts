import { describeEachDatabase } from "@warden/auth-core/testing";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { type RestRoute, restRoutes } from "../rest/rest-routes.js";
import { appRouter } from "../router.js";
import {
  postForm,
  registerAndLogin,
  startTestServer,
  type TestServer,
  type TokenPairBody,
  trpc,
} from "../testing/test-server.js";

/** The subset of JSON Schema that z.toJSONSchema produces for the procedures' inputs. */
interface JsonSchema {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  pattern?: string;
}

interface Procedure {
  readonly path: string;
  readonly type: "query" | "mutation" | "subscription";
  readonly input: JsonSchema | undefined;
  /** The same procedure's REST route: the fuzz goes through both doors. */
  readonly rest: Pick<RestRoute, "method" | "path">;
}

// Read from the router itself, so a procedure added later is fuzzed without anyone listing it
// here. At run time `_def.procedures` is flat, keyed by the full path ("admin.users.list").
const ROUTER_PROCEDURES = appRouter._def.procedures as unknown as Record<
  string,
  { _def: { type: Procedure["type"]; inputs: unknown[] } }
>;
const ROUTER_PATHS = Object.keys(ROUTER_PROCEDURES).sort();
const REST_ROUTES = new Map(restRoutes().map((route) => [route.procedurePath, route]));
const PROCEDURES: Procedure[] = Object.entries(ROUTER_PROCEDURES).map(([path, procedure]) => {
  const [parser] = procedure._def.inputs;
  const rest = REST_ROUTES.get(path);
  if (!rest) throw new Error(`${path} has no REST route`);
  return {
    path,
    type: procedure._def.type,
    rest,
    input:
      parser === undefined
        ? undefined
        : (z.toJSONSchema(parser as z.ZodType, {
            io: "input",
            unrepresentable: "any",
          }) as JsonSchema),
  };
});

const RUNS_PER_PROCEDURE = 36;

/** Any body: a stack frame, a file path, or SQL and driver text is a leak. */
const LEAKS = [
  /\bat .+\.[cm]?[jt]s:\d+/,
  /"stack"/,
  /node_modules|\/src\/|\/dist\//,
  /\b(select|insert|update|delete)\b[\s\S]{0,200}\b(from|into|set|where|values)\b/i,
  /SQLITE_|\bER_[A-Z_]{3,}|sqlstate|syntax error|violates|duplicate entry|constraint failed|invalid byte sequence|incorrect string value/i,
  /\b(sqlite3?|postgres(ql)?|mysql2?|mariadb|kysely)\b/i,
];

interface Answer {
  status: number;
  raw: string;
  challenge: string | null;
}

/** One call, any input: unlike trpc(), it survives a body that is not JSON. */
async function call(
  server: TestServer,
  procedure: Pick<Procedure, "path" | "type">,
  input: unknown,
  token: string | undefined,
  batch = false,
): Promise<Answer> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const json = input === undefined ? undefined : JSON.stringify(batch ? { 0: input } : input);
  let response: Response;
  if (procedure.type === "mutation") {
    headers["content-type"] = "application/json";
    response = await fetch(`${server.url}/trpc/${procedure.path}${batch ? "?batch=1" : ""}`, {
      method: "POST",
      headers,
      ...(json === undefined ? {} : { body: json }),
    });
  } else {
    const search = [
      ...(batch ? ["batch=1"] : []),
      ...(json === undefined ? [] : [`input=${encodeURIComponent(json)}`]),
    ].join("&");
    response = await fetch(`${server.url}/trpc/${procedure.path}${search ? `?${search}` : ""}`, {
      headers,
    });
  }
  return {
    status: response.status,
    raw: await response.text(),
    challenge: response.headers.get("www-authenticate"),
  };
}

const LONE_SURROGATE = /([\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF])/;

/**
 * Percent-encodes a path segment; a lone surrogate, which encodeURIComponent
 * refuses, becomes the bytes a careless client sends for it (its 3-byte
 * UTF-8 form, which is not valid UTF-8).
 */
function percentEncode(text: string): string {
  return text
    .split(LONE_SURROGATE)
    .map((piece) => {
      if (!LONE_SURROGATE.test(piece)) return encodeURIComponent(piece);
      const unit = piece.charCodeAt(0);
      return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join("");
    })
    .join("");
}

/**
 * The same call through the procedure's REST route: fields named in the path
 * fill it, the rest go in the query string (GET, DELETE) or the JSON body,
 * and input that is not an object is sent as the body as it is.
 */
async function callRest(
  server: TestServer,
  route: Procedure["rest"],
  input: unknown,
  token: string | undefined,
): Promise<Answer> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const isObject = typeof input === "object" && input !== null && !Array.isArray(input);
  const fields: Record<string, unknown> = isObject ? { ...(input as Record<string, unknown>) } : {};
  const text = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = fields[name];
    delete fields[name];
    return percentEncode(text(value ?? "") ?? "");
  });
  let url = `${server.url}${path}`;
  let body: string | undefined;
  if (route.method === "GET" || route.method === "DELETE") {
    const search = new URLSearchParams(
      Object.entries(fields).map(([key, value]): [string, string] => [key, text(value) ?? ""]),
    ).toString();
    if (search) url += `?${search}`;
  } else if (input !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(isObject ? fields : input);
  }
  const response = await fetch(url, { method: route.method, headers, body });
  return {
    status: response.status,
    raw: await response.text(),
    challenge: response.headers.get("www-authenticate"),
  };
}

/**
 * Whether the procedure answered: a result or its error (tRPC's error, or a
 * REST problem other than "no such route"). A 413 or a 431 is refused
 * before any procedure runs, whatever the token.
 */
function answeredByProcedure(answer: Answer): boolean {
  let body: unknown;
  try {
    body = JSON.parse(answer.raw);
  } catch {
    return false;
  }
  if (isRestAnswer(body)) return answer.status < 300 || !String(body.detail).startsWith("no route");
  const item = (Array.isArray(body) ? body[0] : body) as
    | { result?: unknown; error?: { data?: { code?: unknown } } }
    | undefined;
  return item?.result !== undefined || typeof item?.error?.data?.code === "string";
}

/** A REST answer: a bare result, or a problem (which, unlike tRPC's envelope, has a `type`). */
function isRestAnswer(body: unknown): body is { detail?: unknown } {
  return typeof body === "object" && body !== null && !("result" in body) && !("error" in body);
}

interface Principal {
  id: string;
  username: string;
  password: string;
  token: string;
  role: "user" | "admin";
}

describeEachDatabase("robustness", (current) => {
  let server: TestServer;
  let admin: Principal;
  let user: Principal;
  /** Real ids and tokens, so some fuzzed calls get past "not found" to the writes. */
  let known: string[];

  const login = async (username: string, password: string) => {
    const result = await trpc<TokenPairBody>(server, "auth.login", {
      input: { username, password },
    });
    return result.data?.accessToken;
  };
  /** A fresh account; an admin as admin.e2e makes one: promoted, then logged in again for a token with the role. */
  const principal = async (role: Principal["role"]): Promise<Principal> => {
    const { user: account, password, tokens } = await registerAndLogin(server);
    let token: string | undefined = tokens.accessToken;
    if (role === "admin") {
      await server.running.deps.warden.users.setRole(account.id, "admin");
      token = await login(account.username, password);
    }
    if (!token) throw new Error(`no token for a new ${role}`);
    return { ...account, password, token, role };
  };

  beforeAll(async () => {
    // Registrations are throttled per IP; the fuzz registers at will, and that throttle is not under test here.
    server = await startTestServer(current(), { REGISTER_RATE_LIMIT: "off" });
    admin = await principal("admin");
    user = await principal("user");
    const as = (who: Principal) => ({ token: who.token });
    const post = await trpc<{ id: string }>(server, "posts.create", {
      ...as(user),
      input: { title: "a post", content: "its content", published: true },
    });
    const draft = await trpc<{ id: string }>(server, "posts.create", {
      ...as(admin),
      input: { title: "a draft", content: "" },
    });
    const client = await trpc<{ clientId: string }>(server, "admin.clients.create", {
      ...as(admin),
      input: { name: "fuzzed", scopes: ["users:read"] },
    });
    const sessions = await trpc<{ id: string }[]>(server, "sessions.list", {
      ...as(user),
      query: true,
    });
    const refresh = (await registerAndLogin(server)).tokens.refreshToken;
    known = [
      user.id,
      post.data?.id,
      draft.data?.id,
      client.data?.clientId,
      refresh,
      ...(sessions.data ?? []).map((session) => session.id),
    ].filter((value): value is string => typeof value === "string");
    expect(known).toHaveLength(6);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  /**
   * Whatever the last call did to the principal (logged it out, ended its
   * sessions, disabled it, changed its role), it is usable again; an account
   * locked by fuzzed wrong passwords is replaced by a fresh one.
   */
  const restore = async (who: Principal): Promise<void> => {
    const me = await trpc<{ role: string }>(server, "users.me", { query: true, token: who.token });
    if (me.status === 200 && me.data?.role === who.role) return;
    const { warden } = server.running.deps;
    // An admin's fuzzed admin.users.delete may have deleted the account: a fresh one replaces it.
    if (!(await warden.users.findById(who.id))) {
      Object.assign(who, await principal(who.role));
      return;
    }
    await warden.users.setDisabled(who.id, false);
    await warden.users.setRole(who.id, who.role);
    const token = await login(who.username, who.password);
    Object.assign(who, token ? { token } : await principal(who.role));
  };

  it("every procedure of the router is fuzzed: no 5xx, no leak, and the server still answers", async () => {
    const char = fc.oneof(
      { weight: 8, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
      {
        weight: 2,
        arbitrary: fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "\u007f",
          "\u0085",
          "\u00a0",
          "\u200b",
          "\u2028",
          "\u202e",
          "\ufeff",
          "\ufffd",
          "\uffff",
        ),
      },
      // Any code point, astral ones (4 UTF-8 bytes) included.
      { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
      // Lone surrogates: valid in a JS string and in JSON's \u escapes, not in UTF-8.
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 0xd800, max: 0xdfff })
          .map((code) => String.fromCharCode(code)),
      },
    );
    const specials = [
      "",
      " ",
      "' OR 1=1 --",
      '"; DROP TABLE users; --',
      "%",
      "_",
      "\\",
      "__proto__",
      "constructor",
      "null",
      "a@b",
      "@",
      "😀".repeat(100),
      "\ud800".repeat(100),
      "\u0007\u001b[2J\r\n\t\b",
      "a".repeat(65),
      "a".repeat(5_000),
      // Huge: the first fits the 64 KiB body limit, the second does not.
      "x".repeat(60_000),
      "y".repeat(100_000),
      "\u0000",
      "a\u0000b",
      "\u0000".repeat(300),
    ];
    const text = (schema?: JsonSchema) =>
      fc.oneof(
        { weight: 6, arbitrary: fc.string({ unit: char, maxLength: 40 }) },
        { weight: 2, arbitrary: fc.constantFrom(...specials) },
        { weight: 2, arbitrary: fc.constantFrom(...known) },
        { weight: 1, arbitrary: fc.emailAddress() },
        // Strings that pass a pattern (usernames) reach the database instead of stopping at zod.
        ...(schema?.pattern
          ? [{ weight: 3, arbitrary: fc.stringMatching(new RegExp(schema.pattern)) }]
          : []),
      );
    // Wrong types and nested junk.
    const nest = (depth: number): unknown =>
      depth === 0 ? "bottom" : depth % 2 ? [nest(depth - 1)] : { a: nest(depth - 1) };
    const junk: fc.Arbitrary<unknown> = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.constantFrom<unknown>(null, true, 0, -1, 1e308, -1e-308, "", [], {}, "[]", "{}"),
      fc.integer({ min: 1, max: 500 }).map(nest),
      fc.dictionary(fc.string({ unit: char, maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), {
        maxKeys: 4,
      }),
      fc.constant(JSON.parse('{"__proto__":{"role":"admin"},"constructor":{"prototype":1}}')),
    );
    const numbers = fc.oneof(
      fc.integer({ min: -5, max: 105 }),
      fc.constantFrom(0, -0, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, 0.5),
      fc.double(),
    );
    const shaped = (schema: JsonSchema | undefined): fc.Arbitrary<unknown> => {
      if (schema === undefined) return junk;
      if (schema.anyOf) return fc.oneof(...schema.anyOf.map(shaped));
      if (schema.enum) return fc.oneof(fc.constantFrom(...schema.enum), text());
      const orWrong = (arbitrary: fc.Arbitrary<unknown>) =>
        fc.oneof({ weight: 5, arbitrary }, { weight: 1, arbitrary: junk });
      switch (schema.type) {
        case "string":
          return text(schema);
        case "integer":
        case "number":
          return numbers;
        case "boolean":
          return fc.boolean();
        case "null":
          return fc.constant(null);
        case "array":
          return fc.array(orWrong(shaped(schema.items)), { maxLength: 25 });
        case "object": {
          const properties = schema.properties ?? {};
          const record = fc.record(
            Object.fromEntries(
              Object.entries(properties).map(([key, value]) => [key, orWrong(shaped(value))]),
            ),
            { requiredKeys: schema.required ?? [] },
          );
          const extra = fc.dictionary(fc.string({ maxLength: 8 }), junk, { maxKeys: 2 });
          return fc.tuple(record, extra).map(([fields, more]) => ({ ...more, ...fields }));
        }
        default:
          return junk;
      }
    };
    const input = (procedure: Procedure) =>
      fc.oneof(
        { weight: 6, arbitrary: shaped(procedure.input) },
        { weight: 2, arbitrary: junk },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
    const who = fc.oneof(
      { weight: 4, arbitrary: fc.constant("admin" as const) },
      { weight: 2, arbitrary: fc.constant("user" as const) },
      { weight: 1, arbitrary: fc.constant("none" as const) },
      { weight: 1, arbitrary: fc.constantFrom("x.y.z", "Bearer", "a".repeat(5_000)) },
    );

    /** An input naming an account that does not exist in every path field of the procedure's route. */
    const pathFilled = (procedure: Procedure): Record<string, string> =>
      Object.fromEntries(
        [...procedure.rest.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name, "no-such-id"]),
      );
    const fuzzed: string[] = [];
    /** Per procedure: did an admin's call get past authentication and authorization at least once? */
    const reached = new Map<string, boolean>();
    for (const procedure of PROCEDURES) {
      reached.set(`${procedure.path} trpc`, false);
      reached.set(`${procedure.path} rest`, false);
      await fc.assert(
        fc.asyncProperty(
          input(procedure),
          who,
          fc.constantFrom("trpc", "trpc batch", "rest"),
          async (value, as, door) => {
            const token =
              as === "admin"
                ? admin.token
                : as === "user"
                  ? user.token
                  : as === "none"
                    ? undefined
                    : as;
            const answer =
              door === "rest"
                ? await callRest(server, procedure.rest, value, token)
                : await call(server, procedure, value, token, door === "trpc batch");
            const what = `${procedure.path} (${door}) as ${as} ${JSON.stringify(value)?.slice(0, 300)}`;
            expect(answer.status, `${what}: ${answer.raw.slice(0, 300)}`).toBeLessThan(500);
            expect(answer.raw, `${what}: the path is served`).not.toMatch(/No procedure found/i);
            for (const leak of LEAKS) expect(answer.raw, what).not.toMatch(leak);
            if (
              as === "admin" &&
              answeredByProcedure(answer) &&
              answer.status !== 403 &&
              answer.challenge !== 'Bearer error="invalid_token"'
            )
              reached.set(`${procedure.path} ${door === "rest" ? "rest" : "trpc"}`, true);
            await restore(admin);
            await restore(user);
          },
        ),
        {
          numRuns: RUNS_PER_PROCEDURE,
          // An admin's call by each door with its path filled, so reaching every procedure does not hang on the dice (36 runs missed PUT /api/admin/users/{id}/role once in CI).
          examples: [
            [pathFilled(procedure), "admin", "rest"],
            [pathFilled(procedure), "admin", "trpc"],
          ],
        },
      );
      fuzzed.push(procedure.path);
    }

    expect(fuzzed.sort()).toEqual(ROUTER_PATHS);
    expect(ROUTER_PATHS.filter((path) => path.startsWith("admin."))).not.toEqual([]);
    // An admin's token got through to every procedure, admin.* included, by tRPC and by REST: the fuzz was not all refusals.
    expect([...reached].filter(([, ok]) => !ok).map(([path]) => path)).toEqual([]);
    const health = await trpc<{ status: string; database: string }>(server, "system.health", {
      query: true,
    });
    expect(health.status).toBe(200);
    expect(health.data).toMatchObject({ status: "ok", database: "ok" });
  }, 120_000);

  it("raw garbage bodies, methods and headers get no 5xx", async () => {
    const attempts: [string, RequestInit][] = [
      [
        "/trpc/auth.login",
        { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" },
      ],
      [
        "/trpc/auth.login",
        { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" },
      ],
      [
        "/trpc/auth.login",
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "x".repeat(200_000),
        },
      ],
      ["/trpc/auth.login", { method: "GET" }],
      ["/trpc/users.me?input=%ZZ", { method: "GET" }],
      ["/trpc/nope.nothing", { method: "GET" }],
      ["/trpc/system.hello?batch=1&input=[[[", { method: "GET" }],
      [
        "/oauth/token",
        {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "%%%&&&===",
        },
      ],
      [
        "/oauth/token",
        {
          method: "POST",
          headers: { "content-type": "multipart/form-data; boundary=x" },
          body: "--x--",
        },
      ],
      ["/oauth/token", { method: "GET" }],
      ["/oauth/revoke", { method: "POST" }],
      ["/.well-known/jwks.json", { method: "DELETE" }],
    ];
    for (const [path, init] of attempts) {
      const response = await fetch(`${server.url}${path}`, init);
      expect(response.status, `${init.method} ${path}`).toBeLessThan(500);
      expect(response.status, `${init.method} ${path}`).toBeGreaterThanOrEqual(400);
    }
  });

  it("random form bodies at the token endpoint get §5.2 errors, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            "grant_type",
            "username",
            "password",
            "refresh_token",
            "scope",
            "client_id",
          ),
          fc.string({ maxLength: 100 }),
        ),
        async (fields) => {
          const response = await postForm(server, "/oauth/token", fields);
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});

describeEachDatabase("graceful shutdown", (current) => {
  it("loses no request in flight", async () => {
    const server = await startTestServer(current());
    try {
      const { user, password } = await registerAndLogin(server);
      let received = 0;
      server.app.server.on("request", () => {
        received += 1;
      });
      // Logins take a bcrypt hash each: long enough to be in flight when close() starts.
      const inFlight = Array.from({ length: 6 }, () =>
        trpc(server, "auth.login", { input: { username: user.username, password } }),
      );
      while (received < 6) await new Promise((resolve) => setTimeout(resolve, 2));
      const closing = server.app.close();
      const closedAt = Promise.race([
        closing.then(() => "closed"),
        new Promise((resolve) => setTimeout(() => resolve("still open"), 2000)),
      ]);
      const results = await Promise.allSettled(inFlight);
      // close() must not wait for keep-alive sockets to time out.
      expect(await closedAt).toBe("closed");
      expect(
        results.map((r) => (r.status === "fulfilled" ? r.value.status : String(r.reason.cause))),
      ).toEqual([200, 200, 200, 200, 200, 200]);
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    } finally {
      await server.running.close();
    }
  }, 60_000);

  it("does not wait on a keep-alive client whose last answer came from the front door", async () => {
    const server = await startTestServer(current());
    try {
      // fetch keeps the connection open after the answer (undici's keep-alive).
      const hello = await fetch(
        `${server.url}/trpc/system.hello?input=${encodeURIComponent('{"name":"bye"}')}`,
      );
      expect(hello.status).toBe(200);
      await hello.text();
      const closedAt = await Promise.race([
        server.app.close().then(() => "closed"),
        new Promise((resolve) => setTimeout(() => resolve("still open"), 2000)),
      ]);
      expect(closedAt).toBe("closed");
    } finally {
      await server.running.close();
    }
  }, 60_000);
});
