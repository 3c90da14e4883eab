import { STATUS_CODES } from "node:http";
import { getTRPCErrorFromUnknown, type TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { errorHeaders } from "../errors/error-headers.js";
import { formatError } from "../errors/error-shape.js";
import type { FieldErrors } from "../errors/field-errors.js";

/** RFC 9457's media type: what every REST error is sent as. */
export const PROBLEM_JSON = "application/problem+json";

/**
 * An RFC 9457 problem: `status`, `title` (the status's reason phrase),
 * `detail` (what went wrong, for a person), and Warden's extensions:
 * `code`, the tRPC code name a TypeScript client sees for the same failure,
 * `errors`, each bad field with its messages, and `retryAfter` in seconds.
 */
export interface Problem {
  readonly type: "about:blank";
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly code: string;
  readonly errors?: FieldErrors;
  readonly retryAfter?: number;
}

/** A problem with the headers that go with it (WWW-Authenticate, Retry-After), as the tRPC routes send them. */
export interface ProblemResponse {
  readonly problem: Problem;
  readonly headers: Record<string, string>;
}

/**
 * The problem for anything a procedure threw, worded by the same formatter
 * as the tRPC routes (never a stack or driver text; each bad field named),
 * so the two transports cannot disagree about an error.
 */
export function problemFromError(cause: unknown, path: string): ProblemResponse {
  const error = getTRPCErrorFromUnknown(cause);
  const shape = formatError(
    {
      message: error.message,
      code: TRPC_ERROR_CODES_BY_KEY[error.code],
      data: { code: error.code, httpStatus: getHTTPStatusCodeFromError(error), path },
    },
    error as TRPCError,
  );
  const { httpStatus: status, code, fieldErrors, retryAfter } = shape.data;
  return {
    problem: {
      type: "about:blank",
      status,
      title: STATUS_CODES[status] ?? "Error",
      detail: shape.message,
      code,
      ...(fieldErrors ? { errors: fieldErrors } : {}),
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    },
    headers: errorHeaders([error]),
  };
}

/** A problem the HTTP layer finds itself (no such route, a body that is not JSON, too large). */
export function problemOf(status: number, code: string, detail: string): Problem {
  return { type: "about:blank", status, title: STATUS_CODES[status] ?? "Error", detail, code };
}
