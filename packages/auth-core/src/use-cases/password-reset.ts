import { AuthError } from "../errors.js";
import { passwordChangedNotice, resetPasswordMail } from "../mail/templates.js";
import { accountThrottleKey } from "../user/user.service.js";
import { emailSchema } from "../user/user-input.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * Mails a reset link if an account has the address, and answers the same
 * way, in the same time, whether or not one does: after the throttle, the
 * lookup, the token and the mail all happen in the background, so neither
 * the answer nor its timing says whether the address is registered.
 * Counted per address and per network before anything else. Throws INVALID_INPUT (a malformed address), TOO_MANY_ATTEMPTS
 * or MAIL_UNAVAILABLE (the server sends no mail, whatever the address).
 */
export async function requestPasswordReset(
  deps: Pick<
    UseCaseDeps,
    "users" | "throttle" | "audit" | "oneTimeTokens" | "mailer" | "links" | "accountRules"
  >,
  input: { email: string },
  request: RequestFacts,
): Promise<void> {
  const parsed = emailSchema.safeParse(input.email);
  if (!parsed.success) {
    throw new AuthError("INVALID_INPUT", {
      issues: parsed.error.issues.map((issue) => ({ field: "email", message: issue.message })),
    });
  }
  if (!deps.mailer.delivers) throw new AuthError("MAIL_UNAVAILABLE");
  await deps.throttle.passwordResetRequest(parsed.data, request.ip ?? "");
  deps.mailer.sendLater(async () => {
    const user = await deps.users.findByEmail(parsed.data);
    // A disabled account cannot log in with any password: no link for it either.
    if (!user || user.disabled) return null;
    const ttl = deps.accountRules.passwordResetTtlSeconds;
    const token = await deps.oneTimeTokens.issue(user.id, "reset_password", ttl);
    await recordAudit(deps.audit, request, {
      kind: "password.reset_requested",
      userId: user.id,
      detail: {},
    });
    return resetPasswordMail(
      { to: user.email, name: user.name },
      deps.links.resetPassword(token),
      ttl,
    );
  });
}

/**
 * Sets a new password from a reset link: the policy first (a refused
 * password leaves the link usable), then the link is used up, every session
 * of the account ends, its failed attempts are forgotten (a locked-out owner
 * is let back in), its other links and any pending email change die, its
 * address counts as verified (the link reached it), and the owner is told by mail.
 * Throws INVALID_ONE_TIME_TOKEN or INVALID_INPUT naming newPassword.
 */
export async function resetPassword(
  deps: Pick<UseCaseDeps, "users" | "sessions" | "throttle" | "audit" | "oneTimeTokens" | "mailer">,
  input: { token: string; newPassword: string },
  request: RequestFacts,
): Promise<void> {
  const link = await deps.oneTimeTokens.peek(input.token, ["reset_password"]);
  await deps.users.checkNewPassword(link.userId, input.newPassword, "newPassword");
  const { userId } = await deps.oneTimeTokens.redeem(input.token, ["reset_password"]);
  const user = await deps.users.resetPassword(userId, input.newPassword);
  // The link came to the account's address: that proves the address (a way back
  // in when verified addresses are required), and an email change someone else
  // started with the old password dies with it.
  await deps.users.markEmailVerified(userId, user.email);
  await deps.oneTimeTokens.revoke(userId, ["reset_password", "change_email", "mfa_login"]);
  const ended = await deps.sessions.revokeAll(userId, "password_reset");
  // A locked-out owner is let back in; but with two-factor login the lock
  // guards the codes too, and a reset (the mailbox alone) must not buy a
  // code guesser a fresh count.
  if (!user.twoFactorEnabled) await deps.throttle.clearAccount(accountThrottleKey(userId));
  deps.mailer.sendLater(passwordChangedNotice({ to: user.email, name: user.name }));
  await recordAudit(deps.audit, request, {
    kind: "password.reset",
    userId,
    detail: { sessionsEnded: ended.length },
  });
}
