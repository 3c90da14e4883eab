import type { TRPCError } from "@trpc/server";
import { NO_TOKEN } from "../security/authenticate-request.js";
import { authErrorOf } from "./to-trpc-error.js";

/** The headers RFC 6750 asks of a 401 (`WWW-Authenticate`), and `Retry-After` for a 429 or a 503. */
export function errorHeaders(errors: readonly TRPCError[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const error of errors) {
    const authError = authErrorOf(error);
    if (error.code === "UNAUTHORIZED") {
      // A refused token gets error="invalid_token"; a request without one, a bare challenge.
      const refusedToken = authError?.code === "INVALID_TOKEN" && authError.cause !== NO_TOKEN;
      headers["www-authenticate"] = refusedToken ? 'Bearer error="invalid_token"' : "Bearer";
    }
    if (authError?.retryAfterSeconds !== undefined) {
      headers["retry-after"] = String(authError.retryAfterSeconds);
    }
  }
  return headers;
}
