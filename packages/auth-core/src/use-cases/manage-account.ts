import { AuthError } from "../errors.js";
import { accountDeletedNotice } from "../mail/templates.js";
import type { User } from "../user/user.js";
import type { AuthenticatedUser } from "./authenticate-access-token.js";
import { asCredentialAttempt } from "./credential-attempt.js";
import { type AdminActor, actorName, type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

type Caller = Pick<AuthenticatedUser, "userId">;

/** Changes the caller's display name. Throws INVALID_INPUT naming name. */
export async function updateProfile(
  deps: Pick<UseCaseDeps, "users" | "audit">,
  caller: Caller,
  input: { name: string },
  request: RequestFacts,
): Promise<User> {
  const user = await deps.users.updateName(caller.userId, input.name);
  await recordAudit(deps.audit, request, {
    kind: "profile.updated",
    userId: user.id,
    detail: {},
  });
  return user;
}

/**
 * Ends every session, then deletes the account and its posts for good: its
 * username and address are free at once, and its audit events stay without
 * its addresses. The owner is told by mail.
 */
async function deleteAndRecord(
  deps: Pick<UseCaseDeps, "users" | "sessions" | "audit" | "mailer">,
  user: User,
  by: string,
  request: RequestFacts,
): Promise<void> {
  // A refusal (the last admin) must come before any session ends.
  await deps.users.checkDeletable(user.id);
  // Revoked before the rows go, so that every instance drops the sessions' tokens at once.
  const ended = await deps.sessions.revokeAll(user.id, "account_deleted");
  await deps.users.delete(user.id);
  // The event stays, without the deleted person's address: their own IP is not kept.
  const facts = by === "self" ? { requestId: request.requestId } : request;
  await recordAudit(deps.audit, facts, {
    kind: "account.deleted",
    userId: user.id,
    detail: { by, sessionsEnded: ended.length },
  });
  if (deps.mailer.delivers)
    deps.mailer.sendLater(accountDeletedNotice({ to: user.email, name: user.name }));
}

/**
 * Deletes the caller's own account, after their password (a password
 * attempt, counted like a login's). Throws INVALID_INPUT naming
 * currentPassword, TOO_MANY_ATTEMPTS, or LAST_ADMIN.
 */
export async function deleteAccount(
  deps: Pick<UseCaseDeps, "users" | "sessions" | "audit" | "mailer" | "throttle">,
  caller: Caller,
  input: { currentPassword: string },
  request: RequestFacts,
): Promise<void> {
  const user = await asCredentialAttempt(deps, caller.userId, "currentPassword", request, () =>
    deps.users.checkPassword(caller.userId, input.currentPassword, "currentPassword"),
  );
  await deleteAndRecord(deps, user, "self", request);
}

/** An admin deletes an account, with the same rules. Throws NOT_FOUND or LAST_ADMIN. */
export async function deleteUser(
  deps: Pick<UseCaseDeps, "users" | "sessions" | "audit" | "mailer">,
  actor: AdminActor,
  input: { id: string },
  request: RequestFacts,
): Promise<void> {
  const user = await deps.users.findById(input.id);
  if (!user) throw new AuthError("NOT_FOUND", { message: "no such user" });
  await deleteAndRecord(deps, user, actorName(actor), request);
}
