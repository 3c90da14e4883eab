import { initTRPC, TRPCError } from "@trpc/server";
import type { AccessTokenSubject, AuthenticatedUser } from "@warden/auth-core";
import { invalidInput, unstorableTextIssues } from "@warden/auth-core";
import type { Context } from "./context.js";
import { formatError } from "./errors/error-shape.js";
import { toTRPCError } from "./errors/to-trpc-error.js";
import { authenticateRequest } from "./security/authenticate-request.js";

/**
 * A procedure's REST route, in the shape trpc-to-openapi reads from `meta.openapi`
 * (rest/rest-routes.ts mounts it, rest/openapi-document.ts describes it).
 * Declared here rather than imported so that the router's type, which
 * `@warden/client` and the CLI are built from, names no server-only package.
 */
export interface RestRouteMeta {
  readonly enabled?: boolean;
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Starts with /api; `{name}` marks a path parameter taken from the input. */
  readonly path: `/${string}`;
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: string[];
  /** Whether it takes a bearer token (the default) or is public. */
  readonly protect?: boolean;
  /** The error statuses it answers, each with what it means; by default trpc-to-openapi's guess. */
  readonly errorResponses?: Record<number, string>;
}

/**
 * What a procedure declares about itself, read by the HTTP layer: its REST
 * route and how its answer must be sent.
 */
// A type, not an interface: trpc-to-openapi takes meta as a Record<string, unknown>.
export type ProcedureMeta = {
  readonly openapi?: RestRouteMeta;
  /** Its answer carries a token or a secret: never to be cached (RFC 6749 §5.1, RFC 9111). */
  readonly sendsCredentials?: boolean;
  /** It creates a resource: its REST route answers 201 Created (RFC 9110 §15.3.2). */
  readonly createsResource?: boolean;
};

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    errorFormatter: ({ shape, error }) => formatError(shape, error),
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * How a procedure authenticates its caller: what it adds to the context, or
 * a throw (auth-core's typed errors, a TRPCError). Kept per middleware so the
 * HTTP fast path (http/direct-query.ts) can run a query without tRPC's chain.
 */
export type Authenticate = (ctx: Context) => Promise<object>;
const authenticators = new WeakMap<object, Authenticate>();

/** The authentication behind one of this module's middlewares; undefined for any other. */
export function authenticatorOf(middleware: unknown): Authenticate | undefined {
  return typeof middleware === "function" ? authenticators.get(middleware) : undefined;
}

/**
 * Refuses, naming the field, any input text that no database can store or
 * no person types (NUL and other control characters, lone surrogates),
 * before any procedure sees it: one rule for every procedure, present and future.
 */
export function refuseUnstorableText(rawInput: unknown): void {
  const issues = unstorableTextIssues(rawInput);
  if (issues.length > 0) throw toTRPCError(invalidInput(issues));
}

/**
 * The error a failed call ends with: auth-core's typed error, or an
 * unreachable database, behind tRPC's error (a procedure's throw, an input
 * or output check) becomes its tRPC code, the original kept as `cause`.
 */
export function mappedFailure(error: TRPCError): TRPCError {
  const mapped = toTRPCError(error.cause);
  return mapped instanceof TRPCError ? mapped : error;
}

/**
 * A procedure with one middleware, kept to a single layer since each tRPC
 * middleware layer copies the call's options and context (a quarter of the
 * CPU of a `users.me` in the profile). Around the call it:
 * - refuses unstorable input text (refuseUnstorableText);
 * - authenticates (`authenticate`, mapped as below if it throws);
 * - maps auth-core's typed errors, and an unreachable database, to tRPC
 *   codes (toTRPCError, mappedFailure).
 */
function guardedProcedure<Extra extends object>(authenticate: (ctx: Context) => Promise<Extra>) {
  const procedure = t.procedure.use(async ({ ctx, getRawInput, next }) => {
    refuseUnstorableText(await getRawInput());
    let extra: Extra;
    try {
      extra = await authenticate(ctx);
    } catch (error) {
      throw toTRPCError(error);
    }
    const result = await next({ ctx: extra });
    if (!result.ok) throw mappedFailure(result.error);
    return result;
  });
  authenticators.set(procedure._def.middlewares[0] as object, authenticate);
  return procedure;
}

export const publicProcedure = guardedProcedure(async () => ({}));

/** The subject of the request's token (any valid access token: a user's or a service's). */
function subjectOf(ctx: Context): Promise<AccessTokenSubject> {
  return authenticateRequest(ctx.deps, ctx.request.authorization);
}

/** The user behind the request's token; a service token is FORBIDDEN. */
async function userOf(ctx: Context): Promise<AuthenticatedUser> {
  const subject = await subjectOf(ctx);
  if (subject.kind !== "user") {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "this procedure takes a user's token, not a service token",
    });
  }
  const { userId, sessionId, role, claims } = subject;
  return { userId, sessionId, role, claims };
}

/** A user's access token. Puts a non-null `auth` on the context. */
export const protectedProcedure = guardedProcedure(async (ctx) => ({ auth: await userOf(ctx) }));

/** An admin's user token. The role is the token's: changing a role ends the user's sessions. */
export const adminProcedure = guardedProcedure(async (ctx) => {
  const auth = await userOf(ctx);
  if (auth.role !== "admin") throw new TRPCError({ code: "FORBIDDEN", message: "admins only" });
  return { auth };
});

/** A user token, or a service token that holds `scope`. */
export function scopedProcedure(scope: string) {
  return guardedProcedure(async (ctx) => {
    const subject = await subjectOf(ctx);
    if (subject.kind === "service" && !subject.scopes.includes(scope)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `this service token lacks the scope "${scope}"`,
      });
    }
    return { subject };
  });
}
