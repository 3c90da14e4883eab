import { AuthError } from "../errors.js";
import type { Role, User } from "../user/user.js";
import { type AdminActor, actorName, type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * Gives a user a role and ends every session they have: a token carries the
 * role it was issued with, so a demoted admin's token must not outlive the
 * demotion (nor a promoted user's the promotion). Throws NOT_FOUND, or
 * LAST_ADMIN when no active admin would remain. Setting the role a user
 * already has changes nothing.
 */
export async function setRole(
  deps: Pick<UseCaseDeps, "users" | "sessions" | "audit">,
  actor: AdminActor,
  input: { id: string; role: Role },
  request: RequestFacts,
): Promise<User> {
  const { changed, ...user } = await deps.users.setRole(input.id, input.role);
  const ended = changed ? await deps.sessions.revokeAll(input.id, "role_changed") : [];
  await recordAudit(deps.audit, request, {
    kind: "user.role_changed",
    userId: input.id,
    detail: { role: input.role, by: actorName(actor), sessionsEnded: ended.length },
  });
  return user;
}

/**
 * Disables (ending every session at once) or enables an account. An admin
 * cannot disable themselves; the last active admin cannot be disabled.
 */
export async function setDisabled(
  deps: Pick<UseCaseDeps, "users" | "sessions" | "audit">,
  actor: AdminActor,
  input: { id: string; disabled: boolean },
  request: RequestFacts,
): Promise<User> {
  if (input.disabled && actor.kind === "user" && input.id === actor.userId) {
    throw new AuthError("FORBIDDEN", { message: "an admin cannot disable their own account" });
  }
  const user = await deps.users.setDisabled(input.id, input.disabled);
  const ended = input.disabled ? await deps.sessions.revokeAll(input.id, "disabled") : [];
  await recordAudit(deps.audit, request, {
    kind: input.disabled ? "user.disabled" : "user.enabled",
    userId: input.id,
    detail: { by: actorName(actor), sessionsEnded: ended.length },
  });
  return user;
}
