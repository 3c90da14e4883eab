import { AuthError } from "../errors.js";
import { accountThrottleKey } from "../user/user.service.js";
import type { AuthenticatedUser } from "./authenticate-access-token.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * Changes the caller's password and ends their other sessions: whoever else
 * held the account is out. The current password is a password attempt like a
 * login's: reserved first, and a wrong one counts toward the account's lock.
 * Throws INVALID_INPUT naming currentPassword or newPassword, or
 * TOO_MANY_ATTEMPTS.
 */
export async function changePassword(
  deps: Pick<UseCaseDeps, "users" | "sessions" | "audit" | "throttle" | "oneTimeTokens">,
  caller: Pick<AuthenticatedUser, "userId" | "sessionId">,
  input: { currentPassword: string; newPassword: string },
  request: RequestFacts,
): Promise<void> {
  const { userId, sessionId } = caller;
  const attempt = await deps.throttle.reserveLogin(accountThrottleKey(userId), request.ip ?? "");
  try {
    await deps.users.changePassword(userId, input);
  } catch (error) {
    if (!(error instanceof AuthError && error.code === "INVALID_INPUT")) {
      // No answer about the password: the server was busy, or the database away.
      await attempt.released();
    } else if (error.issues.some((issue) => issue.field === "currentPassword")) {
      await attempt.failed();
    } else {
      // A refused new password comes after the current one was checked and found right.
      await attempt.succeeded();
    }
    throw error;
  }
  await attempt.succeeded();
  // A reset link mailed before the change must not undo it, nor an email change
  // someone else started with the old password move the account away.
  await deps.oneTimeTokens.revoke(userId, ["reset_password", "change_email", "mfa_login"]);
  const ended = await deps.sessions.revokeAll(userId, "password_change", {
    exceptSessionId: sessionId,
  });
  await recordAudit(deps.audit, request, {
    kind: "password.changed",
    userId,
    detail: { sessionId, sessionsEnded: ended.length },
  });
}
