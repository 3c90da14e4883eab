import { type AccessTokenSubject, AuthError } from "@warden/auth-core";
import type { ServerDeps } from "../context.js";

/** Marks the refusal of a request that carried no token at all: it gets a bare `Bearer` challenge. */
export const NO_TOKEN = "no token";

const BEARER = /^Bearer ([A-Za-z0-9\-_.~+/]+=*)$/;

/**
 * The subject of the request's access token: the token comes only from the
 * Authorization header (never a query string or cookie), its signature and
 * claims are checked, and a user token's session must not have been revoked.
 */
export async function authenticateRequest(
  deps: Pick<ServerDeps, "warden" | "revocations">,
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
  const subject = await deps.warden.tokens.verify(match[1]);
  if (subject.kind === "user" && (await deps.revocations.isRevoked(subject.sessionId))) {
    throw new AuthError("INVALID_TOKEN", { message: "the session has ended" });
  }
  // A revoked client's tokens die with it. Service calls are few; a read each is affordable.
  if (subject.kind === "service" && !(await deps.warden.clients.isActive(subject.clientId))) {
    throw new AuthError("INVALID_TOKEN", { message: "the client has been revoked" });
  }
  return subject;
}
