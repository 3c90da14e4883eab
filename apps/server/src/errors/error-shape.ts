import type { TRPCError } from "@trpc/server";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { DATABASE_UNAVAILABLE_MESSAGE, databaseUnavailableOf } from "./database-unavailable.js";
import { describeFieldErrors, type FieldErrors, fieldErrorsOf } from "./field-errors.js";
import { authErrorOf } from "./to-trpc-error.js";

/** The `error` object of a tRPC error response, as every client sees it. */
export interface WardenErrorShape {
  message: string;
  code: number;
  data: {
    code: string;
    httpStatus: number;
    path?: string;
    fieldErrors?: FieldErrors;
    retryAfter?: number;
  };
}

/**
 * tRPC's default shape, reworded: never the stack (whatever NODE_ENV says),
 * never driver text for an unexpected failure, and each bad field named.
 * An unreachable database is SERVICE_UNAVAILABLE (503, with retryAfter), not
 * a 500: tRPC's adapter takes the HTTP status from `data.httpStatus`.
 */
export function formatError(
  shape: {
    message: string;
    code: number;
    data: { code: string; httpStatus: number; path?: string | undefined };
  },
  error: TRPCError,
): WardenErrorShape {
  const unavailable = databaseUnavailableOf(error);
  if (unavailable) {
    return {
      message: DATABASE_UNAVAILABLE_MESSAGE,
      code: TRPC_ERROR_CODES_BY_KEY.SERVICE_UNAVAILABLE,
      data: {
        code: "SERVICE_UNAVAILABLE",
        httpStatus: 503,
        ...(shape.data.path ? { path: shape.data.path } : {}),
        retryAfter: unavailable.retryAfterSeconds,
      },
    };
  }
  const authError = authErrorOf(error);
  const fieldErrors = error.code === "BAD_REQUEST" ? fieldErrorsOf(error.cause, authError) : null;
  const internal = error.code === "INTERNAL_SERVER_ERROR";
  return {
    message: internal
      ? "internal server error"
      : fieldErrors
        ? describeFieldErrors(fieldErrors)
        : shape.message,
    code: shape.code,
    data: {
      code: shape.data.code,
      httpStatus: shape.data.httpStatus,
      ...(shape.data.path ? { path: shape.data.path } : {}),
      ...(fieldErrors ? { fieldErrors } : {}),
      ...(authError?.retryAfterSeconds !== undefined
        ? { retryAfter: authError.retryAfterSeconds }
        : {}),
    },
  };
}

/** The body of a 500 outside tRPC and REST (server.ts's error handler, the front door's last resort). */
export const INTERNAL_ERROR_BODY = Object.freeze({
  error: "server_error",
  error_description: "internal server error",
});
