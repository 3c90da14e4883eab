import type { AuthenticatedUser } from "./authenticate-access-token.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * Ends the caller's session, recorded as `logout`. A refresh token given too
 * is ended with its own session, if it is the caller's, and recorded alike.
 */
export async function logOut(
  deps: Pick<UseCaseDeps, "sessions" | "audit">,
  caller: Pick<AuthenticatedUser, "userId" | "sessionId">,
  options: { refreshToken?: string | undefined },
  request: RequestFacts,
): Promise<void> {
  const { userId, sessionId } = caller;
  await deps.sessions.revoke(userId, sessionId, "logout");
  await recordAudit(deps.audit, request, { kind: "logout", userId, detail: { sessionId } });
  if (!options.refreshToken) return;
  const other = await deps.sessions.revokeByRefreshToken(options.refreshToken, { userId });
  if (other) {
    await recordAudit(deps.audit, request, {
      kind: "logout",
      userId,
      detail: { sessionId: other.sessionId },
    });
  }
}
