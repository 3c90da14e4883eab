import type { OutgoingMail } from "../mail/mailer.js";
import type { Recipient } from "../mail/templates.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * Mails an account's owner a notice of something done to their account, if
 * the server sends mail. The account is looked up and the mail sent after
 * the answer: the request waits for neither, and a change the owner did not
 * make reaches them as their alarm.
 */
export function notifyOwner(
  deps: Pick<UseCaseDeps, "users" | "mailer">,
  userId: string,
  notice: (owner: Recipient) => OutgoingMail,
): void {
  if (!deps.mailer.delivers) return;
  deps.mailer.sendLater(async () => {
    const user = await deps.users.findById(userId);
    return user ? notice({ to: user.email, name: user.name }) : null;
  });
}
