import type { AuthenticatedUser } from "./authenticate-access-token.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * Changes the caller's password and ends their other sessions: whoever else
 * held the account is out. Throws INVALID_INPUT naming currentPassword or
 * newPassword.
 */
export async function changePassword(
  deps: Pick<UseCaseDeps, "users" | "sessions" | "audit">,
  caller: Pick<AuthenticatedUser, "userId" | "sessionId">,
  input: { currentPassword: string; newPassword: string },
  request: RequestFacts,
): Promise<void> {
  const { userId, sessionId } = caller;
  await deps.users.changePassword(userId, input);
  const ended = await deps.sessions.revokeAll(userId, "password_change", {
    exceptSessionId: sessionId,
  });
  await recordAudit(deps.audit, request, {
    kind: "password.changed",
    userId,
    detail: { sessionId, sessionsEnded: ended.length },
  });
}
