import { type AnyRouter, TRPCError } from "@trpc/server";
import { getParseFn, getTRPCErrorFromUnknown } from "@trpc/server/unstable-core-do-not-import";
import type { Context } from "../context.js";
import { toTRPCError } from "../errors/to-trpc-error.js";
import { appRouter } from "../router.js";
import { authenticatorOf, mappedFailure, refuseUnstorableText } from "../trpc.js";

/**
 * A query's (or a mutation's) steps, taken from its tRPC definition once, to run
 * without tRPC's middleware chain: every layer of that chain copies the
 * call's options (and the context, where a middleware adds to it) with
 * Babel's object-spread helper, the largest single cost of a read in the
 * profile. Each step is the procedure's own, in tRPC's order, with tRPC's
 * errors:
 * 1. the unstorable-text rule and the procedure's authentication (trpc.ts);
 * 2. its input schema, parsed with tRPC's own parse function (a failure is
 *    BAD_REQUEST with the schema's error as `cause`);
 * 3. its resolver, with the context its middleware would have built;
 * 4. its output schema ("Output validation failed", INTERNAL_SERVER_ERROR);
 * failures of 2–4 mapped as the middleware maps them (mappedFailure).
 */
export type DirectQuery = (ctx: Context, rawInput: unknown, path: string) => Promise<unknown>;

type Parse = (value: unknown) => unknown;
type Middleware = ((...args: never[]) => unknown) & { _type?: string };

/** What tRPC keeps of a built procedure (its `_def` at run time). */
interface ProcedureDef {
  readonly type: string;
  readonly experimental_caller?: boolean;
  readonly meta?: unknown;
  readonly middlewares: readonly Middleware[];
  readonly inputs: readonly unknown[];
  readonly output?: unknown;
  readonly resolver?: (opts: Record<string, unknown>) => unknown;
}

/**
 * The direct form of a query procedure, or undefined when its definition is
 * anything but one of trpc.ts's guarded procedures followed by at most one
 * `.input()` and one `.output()` (another middleware, a second input, a
 * custom caller): those keep going through tRPC.
 */
export function directQueryOf(
  def: ProcedureDef,
  type: "query" | "mutation" = "query",
): DirectQuery | undefined {
  if (def.type !== type || def.experimental_caller || !def.resolver) return undefined;
  const [guard, ...rest] = def.middlewares;
  const authenticate = authenticatorOf(guard);
  if (!authenticate) return undefined;
  // After the guard: the input and output checks, in either order, then the resolver's own layer.
  const checks = rest.slice(0, -1).map((middleware) => middleware._type);
  const inputs = checks.filter((kind) => kind === "input").length;
  const outputs = checks.filter((kind) => kind === "output").length;
  if (inputs + outputs !== checks.length || inputs !== def.inputs.length || inputs > 1)
    return undefined;
  if (outputs !== (def.output === undefined ? 0 : 1)) return undefined;

  const parseInput: Parse | undefined =
    inputs === 1 ? getParseFn(def.inputs[0] as never) : undefined;
  const parseOutput: Parse | undefined =
    def.output === undefined ? undefined : getParseFn(def.output as never);
  const resolver = def.resolver;
  const meta = def.meta;

  return async (ctx, rawInput, path) => {
    refuseUnstorableText(rawInput);
    let extra: object;
    try {
      extra = await authenticate(ctx);
    } catch (error) {
      throw toTRPCError(error);
    }
    try {
      let input: unknown;
      if (parseInput) {
        try {
          input = await parseInput(rawInput);
        } catch (cause) {
          throw new TRPCError({ code: "BAD_REQUEST", cause });
        }
      }
      const data = await resolver({
        // Not `{ ...ctx, ...extra }`: under load, V8 kept the objects that
        // spread built past two young-generation collections (measured: 171
        // bytes of old space per users.me or auth.verify, so the heap and RSS
        // grew by ~3 MB/s until a full collection); Object.assign's copies
        // die young (3 bytes per request).
        ctx: Object.assign({}, ctx, extra),
        input,
        path,
        type,
        meta,
        getRawInput: async () => rawInput,
        signal: undefined,
        batchIndex: 0,
      });
      if (!parseOutput) return data;
      try {
        return await parseOutput(data);
      } catch (cause) {
        throw new TRPCError({
          message: "Output validation failed",
          code: "INTERNAL_SERVER_ERROR",
          cause,
        });
      }
    } catch (thrown) {
      throw mappedFailure(getTRPCErrorFromUnknown(thrown));
    }
  };
}

/** Every query procedure of `router` that has a direct form, by dotted path. */
export function directQueries(router: AnyRouter = appRouter): ReadonlyMap<string, DirectQuery> {
  return directProcedures(router, "query");
}

/**
 * Every mutation procedure of `router` that has a direct form, by dotted
 * path: the same steps as a query's, in the same order (tRPC runs a
 * mutation through the same middleware chain, only its type differs).
 */
export function directMutations(router: AnyRouter = appRouter): ReadonlyMap<string, DirectQuery> {
  return directProcedures(router, "mutation");
}

function directProcedures(
  router: AnyRouter,
  type: "query" | "mutation",
): ReadonlyMap<string, DirectQuery> {
  const procedures = router._def.procedures as unknown as Record<string, { _def: ProcedureDef }>;
  const direct = new Map<string, DirectQuery>();
  for (const [path, procedure] of Object.entries(procedures)) {
    const call = directQueryOf(procedure._def, type);
    if (call) direct.set(path, call);
  }
  return direct;
}
