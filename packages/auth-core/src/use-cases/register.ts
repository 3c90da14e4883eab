import type { User } from "../user/user.js";
import type { RegistrationInput } from "../user/user-input.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * Creates an account. Registrations are counted per client IP, since each
 * costs a bcrypt hash. Throws TOO_MANY_ATTEMPTS, INVALID_INPUT,
 * USERNAME_TAKEN or EMAIL_TAKEN.
 */
export async function register(
  deps: Pick<UseCaseDeps, "users" | "audit" | "throttle">,
  input: RegistrationInput,
  request: RequestFacts,
): Promise<User> {
  await deps.throttle.registration(request.ip ?? "");
  const user = await deps.users.register(input);
  await recordAudit(deps.audit, request, { kind: "user.registered", userId: user.id, detail: {} });
  return user;
}
