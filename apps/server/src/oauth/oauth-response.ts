import { AuthError, type AuthErrorCode } from "@warden/auth-core";
import type { FastifyReply } from "fastify";

/**
 * RFC 6749 §5.2 error codes, RFC 7009's for revocation, and `mfa_required`
 * (the password was right; a second factor must follow, by the MFA grant).
 */
export type OAuthErrorCode =
  | "mfa_required"
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "unsupported_token_type"
  | "temporarily_unavailable";

export class OAuthError extends Error {
  override readonly name = "OAuthError";
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly options: {
      status?: number;
      retryAfterSeconds?: number | undefined;
      /** More members of the error body (RFC 6749 §5.2 allows them), e.g. `mfa_token`. */
      extra?: Record<string, string | number>;
    } = {},
  ) {
    super(description);
  }
}

/** Token responses carry credentials: never cached (RFC 6749 §5.1). */
export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header("cache-control", "no-store").header("pragma", "no-cache");
}

export function sendOAuthError(reply: FastifyReply, error: OAuthError): FastifyReply {
  const status = error.options.status ?? (error.error === "invalid_client" ? 401 : 400);
  noStore(reply).status(status);
  // RFC 6749 §5.2: a failed client authentication through the Authorization header gets a Basic challenge.
  if (status === 401) reply.header("www-authenticate", 'Basic realm="warden"');
  if (error.options.retryAfterSeconds !== undefined)
    reply.header("retry-after", String(error.options.retryAfterSeconds));
  return reply.send({
    error: error.error,
    error_description: error.description,
    ...error.options.extra,
  });
}

/** The one place that knows which RFC 6749 §5.2 error each auth-core error becomes. */
const OAUTH_ERROR_OF: Partial<Record<AuthErrorCode, OAuthErrorCode>> = {
  INVALID_INPUT: "invalid_request",
  INVALID_CLIENT: "invalid_client",
  INVALID_SCOPE: "invalid_scope",
  BUSY: "temporarily_unavailable",
};

/** An OAuthError for an AuthError (throttled ones answer 429 with Retry-After); anything else is returned as is. */
export function toOAuthError(error: unknown): unknown {
  if (!(error instanceof AuthError)) return error;
  const { retryAfterSeconds } = error;
  const status = error.code === "BUSY" ? 503 : 429;
  return new OAuthError(OAUTH_ERROR_OF[error.code] ?? "invalid_grant", error.message, {
    ...(retryAfterSeconds !== undefined ? { status, retryAfterSeconds } : {}),
  });
}

/** Answers an OAuth or auth-core error in RFC 6749 §5.2 form; rethrows anything else (a 500). */
export function sendOAuthFailure(reply: FastifyReply, error: unknown): FastifyReply {
  const oauthError = toOAuthError(error);
  if (oauthError instanceof OAuthError) return sendOAuthError(reply, oauthError);
  throw error;
}
