import { AuthError } from "../errors.js";
import {
  confirmEmailChangeMail,
  emailChangeRequestedNotice,
  verifyEmailMail,
} from "../mail/templates.js";
import type { User } from "../user/user.js";
import type { AuthenticatedUser } from "./authenticate-access-token.js";
import { asCredentialAttempt } from "./credential-attempt.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

type MailDeps = Pick<UseCaseDeps, "oneTimeTokens" | "mailer" | "links" | "accountRules">;

/**
 * Mails the account a link that proves its address. `wait`: the caller
 * needs to know it left (a resend); otherwise it goes in the background and
 * a failure is logged (a registration is not undone by a mail server).
 */
export async function sendVerificationMail(
  deps: MailDeps,
  user: Pick<User, "id" | "email" | "name">,
  options: { wait: boolean },
): Promise<void> {
  const ttl = deps.accountRules.emailVerificationTtlSeconds;
  const token = await deps.oneTimeTokens.issue(user.id, "verify_email", ttl, user.email);
  const mail = verifyEmailMail(
    { to: user.email, name: user.name },
    deps.links.verifyEmail(token),
    ttl,
  );
  if (options.wait) await deps.mailer.send(mail);
  else deps.mailer.sendLater(mail);
}

/**
 * Confirms an address from a mailed link: a new account's (it becomes
 * verified) or a changed one's (the account moves to it, verified, if no
 * other account took it meanwhile). The link works once, for the address it
 * was mailed to. Throws INVALID_ONE_TIME_TOKEN or EMAIL_TAKEN.
 */
export async function verifyEmail(
  deps: Pick<UseCaseDeps, "oneTimeTokens" | "users" | "audit">,
  token: string,
  request: RequestFacts,
): Promise<{ email: string }> {
  const redeemed = await deps.oneTimeTokens.redeem(token, ["verify_email", "change_email"]);
  const email = redeemed.email;
  if (email === null) throw new AuthError("INVALID_ONE_TIME_TOKEN");
  if (redeemed.purpose === "change_email") {
    const previous = await deps.users.findById(redeemed.userId);
    await deps.users.replaceEmail(redeemed.userId, email);
    await recordAudit(deps.audit, request, {
      kind: "email.changed",
      userId: redeemed.userId,
      detail: previous ? { from: previous.email, to: email } : { to: email },
    });
    return { email };
  }
  // A link mailed to an address the account has since left proves nothing about its new one.
  if (!(await deps.users.markEmailVerified(redeemed.userId, email)))
    throw new AuthError("INVALID_ONE_TIME_TOKEN");
  await recordAudit(deps.audit, request, {
    kind: "email.verified",
    userId: redeemed.userId,
    detail: {},
  });
  return { email };
}

/**
 * Mails a new verification link (the old one dies), waiting for the mail
 * server's answer. Throws EMAIL_ALREADY_VERIFIED, TOO_MANY_ATTEMPTS,
 * MAIL_UNAVAILABLE or MAIL_FAILED.
 */
export async function resendVerification(
  deps: Pick<UseCaseDeps, "users" | "throttle" | "audit"> & MailDeps,
  caller: Pick<AuthenticatedUser, "userId">,
  request: RequestFacts,
): Promise<void> {
  const user = await deps.users.findById(caller.userId);
  if (!user) throw new AuthError("INVALID_TOKEN", { message: "the account no longer exists" });
  if (user.emailVerified) throw new AuthError("EMAIL_ALREADY_VERIFIED");
  if (!deps.mailer.delivers) throw new AuthError("MAIL_UNAVAILABLE");
  await deps.throttle.mailResend(`verify:${user.id}`);
  await sendVerificationMail(deps, user, { wait: true });
  await recordAudit(deps.audit, request, {
    kind: "email.verification_sent",
    userId: user.id,
    detail: {},
  });
}

/**
 * Starts an email change: checks the password (a password attempt, counted
 * like a login's) and that the new address is free, mails a confirmation
 * link to the new address and a notice to the old. Nothing changes until
 * the link is opened. Throws INVALID_INPUT, EMAIL_TAKEN, TOO_MANY_ATTEMPTS,
 * MAIL_UNAVAILABLE or MAIL_FAILED.
 */
export async function changeEmail(
  deps: Pick<UseCaseDeps, "users" | "throttle" | "audit"> & MailDeps,
  caller: Pick<AuthenticatedUser, "userId">,
  input: { newEmail: string; currentPassword: string },
  request: RequestFacts,
): Promise<void> {
  if (!deps.mailer.delivers) throw new AuthError("MAIL_UNAVAILABLE");
  const user = await asCredentialAttempt(deps, caller.userId, "currentPassword", request, () =>
    deps.users.checkPassword(caller.userId, input.currentPassword, "currentPassword"),
  );
  const newEmail = await deps.users.checkNewEmail(user.id, input.newEmail);
  const ttl = deps.accountRules.emailVerificationTtlSeconds;
  const token = await deps.oneTimeTokens.issue(user.id, "change_email", ttl, newEmail);
  await deps.mailer.send(
    confirmEmailChangeMail({ to: newEmail, name: user.name }, deps.links.verifyEmail(token), ttl),
  );
  deps.mailer.sendLater(emailChangeRequestedNotice({ to: user.email, name: user.name }, newEmail));
  await recordAudit(deps.audit, request, {
    kind: "email.change_requested",
    userId: user.id,
    detail: { to: newEmail },
  });
}
