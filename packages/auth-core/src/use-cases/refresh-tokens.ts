import { AuthError } from "../errors.js";
import { issueTokenPair } from "../token/token-pair.js";
import type { LoggedIn } from "./log-in-with-password.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * Rotates the refresh token; the session (sid) stays. A rotated token
 * presented again ends its session and is recorded as `refresh.reused`,
 * naming the user and the session, so an admin can tell whose token was
 * stolen. Throws INVALID_REFRESH_TOKEN for every refusal alike.
 */
export async function refreshTokens(
  deps: Pick<UseCaseDeps, "users" | "sessions" | "tokens" | "audit">,
  refreshToken: string,
  request: RequestFacts,
): Promise<LoggedIn> {
  const rotation = await deps.sessions.rotate(refreshToken);
  if (rotation.outcome === "reused") {
    await recordAudit(deps.audit, request, {
      kind: "refresh.reused",
      userId: rotation.userId,
      detail: { sessionId: rotation.sessionId },
    });
    throw new AuthError("INVALID_REFRESH_TOKEN");
  }
  const { issued } = rotation;
  // One read: a user deleted or disabled since the login gets no new tokens.
  const user = await deps.users.findActiveById(issued.userId);
  if (!user) {
    await deps.sessions.revoke(issued.userId, issued.sessionId, "disabled");
    throw new AuthError("INVALID_REFRESH_TOKEN");
  }
  return {
    user,
    sessionId: issued.sessionId,
    tokens: await issueTokenPair(deps.tokens, user, issued),
  };
}
