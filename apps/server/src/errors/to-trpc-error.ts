import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { AuthError, type AuthErrorCode } from "@warden/auth-core";
import { DATABASE_UNAVAILABLE_MESSAGE, databaseUnavailableOf } from "./database-unavailable.js";

/** The one place that knows which tRPC code each auth-core error becomes (CONTRACT: Errors). */
const TRPC_CODE_OF: Record<AuthErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_INPUT: "BAD_REQUEST",
  INVALID_CREDENTIALS: "UNAUTHORIZED",
  INVALID_TOKEN: "UNAUTHORIZED",
  INVALID_REFRESH_TOKEN: "UNAUTHORIZED",
  INVALID_CLIENT: "UNAUTHORIZED",
  INVALID_SCOPE: "FORBIDDEN",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  USERNAME_TAKEN: "CONFLICT",
  EMAIL_TAKEN: "CONFLICT",
  LAST_ADMIN: "CONFLICT",
  TOO_MANY_ATTEMPTS: "TOO_MANY_REQUESTS",
  BUSY: "SERVICE_UNAVAILABLE",
  INVALID_ONE_TIME_TOKEN: "BAD_REQUEST",
  EMAIL_NOT_VERIFIED: "FORBIDDEN",
  EMAIL_ALREADY_VERIFIED: "CONFLICT",
  // A server without mail cannot do what was asked, however often it is asked.
  MAIL_UNAVAILABLE: "PRECONDITION_FAILED",
  MAIL_FAILED: "SERVICE_UNAVAILABLE",
  TWO_FACTOR_UNAVAILABLE: "PRECONDITION_FAILED",
  // Not UNAUTHORIZED: a wrong code in a signed-in call must not look like an expired access token.
  INVALID_TWO_FACTOR_CODE: "BAD_REQUEST",
  TWO_FACTOR_NOT_ENABLED: "CONFLICT",
  TWO_FACTOR_SETUP_REQUIRED: "CONFLICT",
  TWO_FACTOR_ALREADY_ENABLED: "CONFLICT",
  // Like a wrong password: the login is over and starts again with the password (a wrong
  // code is BAD_REQUEST, so a client can tell "ask for the code again" from this).
  INVALID_MFA_TOKEN: "UNAUTHORIZED",
};

/**
 * A TRPCError for an AuthError, or SERVICE_UNAVAILABLE for an unreachable
 * database (the original kept as `cause`); anything else is returned as is.
 */
export function toTRPCError(error: unknown): unknown {
  if (databaseUnavailableOf(error))
    return new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: DATABASE_UNAVAILABLE_MESSAGE,
      cause: error,
    });
  if (!(error instanceof AuthError)) return error;
  return new TRPCError({ code: TRPC_CODE_OF[error.code], message: error.message, cause: error });
}

/** The AuthError behind a tRPC error, if there is one. */
export function authErrorOf(error: { cause?: unknown }): AuthError | undefined {
  return error.cause instanceof AuthError ? error.cause : undefined;
}
