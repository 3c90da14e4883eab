import type { FastifyReply } from "fastify";

/** RFC 6749 §5.2 error codes, plus RFC 7009's for revocation. */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "unsupported_token_type";

export class OAuthError extends Error {
  override readonly name = "OAuthError";
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly options: { status?: number; retryAfterSeconds?: number | undefined } = {},
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
  return reply.send({ error: error.error, error_description: error.description });
}
