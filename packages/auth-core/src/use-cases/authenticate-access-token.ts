import { AuthError } from "../errors.js";
import type { AccessTokenSubject, UserTokenClaims } from "../token/access-token.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/** A user's verified access token, as the procedures that act for a user see it. */
export interface AuthenticatedUser {
  readonly userId: string;
  readonly sessionId: string;
  readonly role: UserTokenClaims["role"];
  readonly claims: UserTokenClaims;
}

/**
 * Who an access token speaks for: its signature and claims are checked, a
 * user token's session must be live and its subject's, and a service token's client
 * must not have been revoked. Throws INVALID_TOKEN.
 */
export async function authenticateAccessToken(
  deps: Pick<UseCaseDeps, "tokens" | "liveSessions" | "clients">,
  token: string,
): Promise<AccessTokenSubject> {
  const subject = await deps.tokens.verify(token);
  if (
    subject.kind === "user" &&
    !(await deps.liveSessions.isLive(subject.sessionId, subject.userId, subject.claims.exp))
  ) {
    throw new AuthError("INVALID_TOKEN", { message: "the session has ended" });
  }
  // A revoked client's tokens die with it. Service calls are few; a read each is affordable.
  if (subject.kind === "service" && !(await deps.clients.isActive(subject.clientId))) {
    throw new AuthError("INVALID_TOKEN", { message: "the client has been revoked" });
  }
  return subject;
}

/**
 * What introspection (RFC 7662) reports of a token: its subject while it is
 * live, else null, whatever the reason (the answer is then `active: false`).
 */
export async function introspectToken(
  deps: Pick<UseCaseDeps, "tokens" | "liveSessions" | "clients">,
  token: string,
): Promise<AccessTokenSubject | null> {
  return authenticateAccessToken(deps, token).catch(() => null);
}
