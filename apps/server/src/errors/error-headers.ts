import type { TRPCError } from "@trpc/server";
import { NO_TOKEN } from "../security/authenticate-request.js";
import { databaseUnavailableOf } from "./database-unavailable.js";
import { authErrorOf } from "./to-trpc-error.js";

/**
 * The headers RFC 6750 asks of a 401 (`WWW-Authenticate`), and `Retry-After`
 * for a 429 (RFC 6585) or a 503 (RFC 9110 §10.2.3: the database is unreachable).
 */
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
    const unavailable = databaseUnavailableOf(error);
    if (unavailable) headers["retry-after"] = String(unavailable.retryAfterSeconds);
  }
  return headers;
}
