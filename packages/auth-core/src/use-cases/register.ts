import type { User } from "../user/user.js";
import type { RegistrationInput } from "../user/user-input.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/** Creates an account. Throws INVALID_INPUT, USERNAME_TAKEN or EMAIL_TAKEN. */
export async function register(
  deps: Pick<UseCaseDeps, "users" | "audit">,
  input: RegistrationInput,
  request: RequestFacts,
): Promise<User> {
  const user = await deps.users.register(input);
  await recordAudit(deps.audit, request, { kind: "user.registered", userId: user.id, detail: {} });
  return user;
}
