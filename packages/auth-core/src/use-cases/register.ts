import type { User } from "../user/user.js";
import type { RegistrationInput } from "../user/user-input.js";
import { sendVerificationMail } from "./email-verification.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * Creates an account. Registrations are counted per client IP, since each
 * costs a bcrypt hash, and mailed a link to verify the address. Throws
 * TOO_MANY_ATTEMPTS, INVALID_INPUT, USERNAME_TAKEN or EMAIL_TAKEN.
 */
export async function register(
  deps: Pick<
    UseCaseDeps,
    "users" | "audit" | "throttle" | "oneTimeTokens" | "mailer" | "links" | "accountRules"
  >,
  input: RegistrationInput,
  request: RequestFacts,
): Promise<User> {
  await deps.throttle.registration(request.ip ?? "");
  const user = await deps.users.register(input);
  await recordAudit(deps.audit, request, { kind: "user.registered", userId: user.id, detail: {} });
  // The account exists whatever the mail server says; a lost mail is resent on request.
  if (deps.mailer.delivers) await sendVerificationMail(deps, user, { wait: false });
  return user;
}
