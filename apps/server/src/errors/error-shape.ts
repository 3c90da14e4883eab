import type { TRPCError } from "@trpc/server";
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
 */
export function formatError(
  shape: {
    message: string;
    code: number;
    data: { code: string; httpStatus: number; path?: string | undefined };
  },
  error: TRPCError,
): WardenErrorShape {
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
