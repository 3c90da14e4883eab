import { type AccessTokenSubject, AuthError } from "@warden/auth-core";
import type { ServerDeps } from "../context.js";

/** Marks the refusal of a request that carried no token at all: it gets a bare `Bearer` challenge. */
export const NO_TOKEN = "no token";

const BEARER = /^Bearer ([A-Za-z0-9\-_.~+/]+=*)$/;

/**
 * The subject of the request's access token. The token comes only from the
 * Authorization header (never a query string or cookie); what makes it valid
 * is the use case's to say.
 */
export async function authenticateRequest(
  deps: Pick<ServerDeps, "useCases">,
  authorization: string | undefined,
): Promise<AccessTokenSubject> {
  if (!authorization)
    throw new AuthError("INVALID_TOKEN", {
      message: "an access token is required",
      cause: NO_TOKEN,
    });
  const match = BEARER.exec(authorization);
  if (!match?.[1])
    throw new AuthError("INVALID_TOKEN", {
      message: "the Authorization header must be 'Bearer <token>'",
    });
  return deps.useCases.authenticateAccessToken(match[1]);
}
