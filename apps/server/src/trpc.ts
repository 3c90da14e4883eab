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
 * What every procedure's one middleware does around the call, kept to a
 * single layer since each tRPC middleware layer copies the call's options
 * and context (a quarter of the CPU of a `users.me` in the profile):
 * - it refuses, naming the field, any input text that no database can store
 *   or no person types (NUL and other control characters, lone surrogates),
 *   before any procedure sees it: one rule for every procedure, present and
 *   future;
 * - then it runs `proceed` (the authentication a procedure needs, then the
 *   procedure);
 * - it turns auth-core's typed errors, and an unreachable database, into
 *   tRPC codes, keeping the original as `cause`.
 */
async function guarded<R extends { ok: boolean; error?: { cause?: unknown } }>(
  getRawInput: () => Promise<unknown>,
  proceed: () => Promise<R>,
): Promise<R> {
  const issues = unstorableTextIssues(await getRawInput());
  if (issues.length > 0) throw toTRPCError(invalidInput(issues));
  let result: R;
  try {
    result = await proceed();
  } catch (error) {
    throw toTRPCError(error);
  }
  if (!result.ok) {
    const mapped = toTRPCError(result.error?.cause);
    if (mapped instanceof TRPCError) throw mapped;
  }
  return result;
}

export const publicProcedure = t.procedure.use(({ getRawInput, next }) =>
  guarded(getRawInput, () => next()),
);

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
export const protectedProcedure = t.procedure.use(({ ctx, getRawInput, next }) =>
  guarded(getRawInput, async () => next({ ctx: { auth: await userOf(ctx) } })),
);

/** An admin's user token. The role is the token's: changing a role ends the user's sessions. */
export const adminProcedure = t.procedure.use(({ ctx, getRawInput, next }) =>
  guarded(getRawInput, async () => {
    const auth = await userOf(ctx);
    if (auth.role !== "admin") throw new TRPCError({ code: "FORBIDDEN", message: "admins only" });
    return next({ ctx: { auth } });
  }),
);

/** A user token, or a service token that holds `scope`. */
export function scopedProcedure(scope: string) {
  return t.procedure.use(({ ctx, getRawInput, next }) =>
    guarded(getRawInput, async () => {
      const subject = await subjectOf(ctx);
      if (subject.kind === "service" && !subject.scopes.includes(scope)) {
        throw new TRPCError({
          code: "FORBIDDEN",
          message: `this service token lacks the scope "${scope}"`,
        });
      }
      return next({ ctx: { subject } });
    }),
  );
}
