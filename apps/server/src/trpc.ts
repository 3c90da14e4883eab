import { initTRPC, TRPCError } from "@trpc/server";
import type { AccessTokenSubject } from "@warden/auth-core";
import { AuthError, invalidInput, unstorableTextIssues } from "@warden/auth-core";
import type { Context } from "./context.js";
import { formatError } from "./errors/error-shape.js";
import { toTRPCError } from "./errors/to-trpc-error.js";
import { authenticateRequest } from "./security/authenticate-request.js";

/** What a procedure declares about itself, read by the HTTP layer. */
export interface ProcedureMeta {
  /** Its answer carries a token or a secret: never to be cached (RFC 6749 §5.1, RFC 9111). */
  readonly sendsCredentials?: boolean;
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    errorFormatter: ({ shape, error }) => formatError(shape, error),
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Turns auth-core's typed errors into tRPC codes, keeping the original as `cause`. */
const mapAuthErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AuthError) {
    throw toTRPCError(result.error.cause);
  }
  return result;
});

/**
 * Refuses, naming the field, any input text that no database can store or no
 * person types (NUL and other control characters, lone surrogates), before
 * any procedure sees it: one rule for every procedure, present and future.
 */
const rejectUnstorableText = t.middleware(async ({ getRawInput, next }) => {
  const issues = unstorableTextIssues(await getRawInput());
  if (issues.length > 0) throw invalidInput(issues);
  return next();
});

export const publicProcedure = t.procedure.use(mapAuthErrors).use(rejectUnstorableText);

/** Any valid access token: a user's or a service's. */
export const authenticatedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const subject: AccessTokenSubject = await authenticateRequest(
    ctx.deps,
    ctx.request.authorization,
  );
  return next({ ctx: { subject } });
});

/** A user's access token; a service token is FORBIDDEN. Puts a non-null `user` on the context. */
export const protectedProcedure = authenticatedProcedure.use(({ ctx, next }) => {
  if (ctx.subject.kind !== "user") {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "this procedure takes a user's token, not a service token",
    });
  }
  const { userId, sessionId, role, claims } = ctx.subject;
  return next({ ctx: { auth: { userId, sessionId, role, claims } } });
});

/** An admin's user token. The role is the token's: changing a role ends the user's sessions. */
export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.auth.role !== "admin") throw new TRPCError({ code: "FORBIDDEN", message: "admins only" });
  return next();
});

/** A user token, or a service token that holds `scope`. */
export function scopedProcedure(scope: string) {
  return authenticatedProcedure.use(({ ctx, next }) => {
    if (ctx.subject.kind === "service" && !ctx.subject.scopes.includes(scope)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `this service token lacks the scope "${scope}"`,
      });
    }
    return next();
  });
}
