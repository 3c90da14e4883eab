import { AuthError } from "../errors.js";
import { twoFactorChangedNotice } from "../mail/templates.js";
import type { TwoFactorSetup } from "../two-factor/two-factor.service.js";
import type { User } from "../user/user.js";
import type { AuthenticatedUser } from "./authenticate-access-token.js";
import { asCredentialAttempt } from "./credential-attempt.js";
import { notifyOwner } from "./notify-owner.js";
import { type AdminActor, actorName, type RequestFacts, recordAudit } from "./request-facts.js";
import { eitherKindOfCode, proveSecondFactor } from "./second-factor.js";
import type { UseCaseDeps } from "./use-case-deps.js";

type Caller = Pick<AuthenticatedUser, "userId" | "sessionId">;

/**
 * A new secret for the caller's authenticator app, pending until a code
 * from it is shown to `enableTwoFactor`. Refused while two-factor login is
 * on: otherwise a stolen access token alone could swap the owner's
 * authenticator for the thief's (and kill the owner's recovery codes);
 * turning it off first takes the password and a code. Throws
 * TWO_FACTOR_ALREADY_ENABLED, or TWO_FACTOR_UNAVAILABLE when the server
 * cannot encrypt secrets (production without WARDEN_KEY_ENCRYPTION_KEY).
 */
export async function setUpTwoFactor(
  deps: Pick<UseCaseDeps, "twoFactor">,
  caller: Caller,
): Promise<TwoFactorSetup> {
  if (await deps.twoFactor.isEnabled(caller.userId)) {
    throw new AuthError("TWO_FACTOR_ALREADY_ENABLED");
  }
  return deps.twoFactor.setup(caller.userId);
}

/**
 * Turns two-factor login on with a code from the pending secret, and
 * returns the recovery codes (shown this once). Every other session ends:
 * it was opened with the password alone (someone turning this on may fear
 * exactly such a session). A wrong code counts toward the account's
 * lockout, as every code does. Throws TWO_FACTOR_SETUP_REQUIRED,
 * INVALID_TWO_FACTOR_CODE or TOO_MANY_ATTEMPTS.
 */
export async function enableTwoFactor(
  deps: Pick<
    UseCaseDeps,
    "users" | "twoFactor" | "throttle" | "sessions" | "oneTimeTokens" | "audit" | "mailer"
  >,
  caller: Caller,
  input: { code: string },
  request: RequestFacts,
): Promise<{ recoveryCodes: string[] }> {
  const recoveryCodes = await asCredentialAttempt(deps, caller.userId, "code", request, () =>
    deps.twoFactor.enable(caller.userId, input.code),
  );
  const ended = await deps.sessions.revokeAll(caller.userId, "two_factor_enabled", {
    exceptSessionId: caller.sessionId,
  });
  await recordAudit(deps.audit, request, {
    kind: "two_factor.enabled",
    userId: caller.userId,
    detail: { sessionsEnded: ended.length },
  });
  notifyOwner(deps, caller.userId, (owner) => twoFactorChangedNotice(owner, "enabled"));
  return { recoveryCodes };
}

/**
 * Turns two-factor login off, with the password and a code (from the app,
 * or a recovery code for someone who lost the phone). Throws INVALID_INPUT
 * naming currentPassword, INVALID_TWO_FACTOR_CODE, TWO_FACTOR_NOT_ENABLED
 * or TOO_MANY_ATTEMPTS.
 */
export async function disableTwoFactor(
  deps: Pick<UseCaseDeps, "users" | "twoFactor" | "throttle" | "audit" | "mailer">,
  caller: Caller,
  input: { currentPassword: string; code: string },
  request: RequestFacts,
): Promise<User> {
  const user = await asCredentialAttempt(
    deps,
    caller.userId,
    "currentPassword",
    request,
    async () => {
      const account = await deps.users.checkPassword(
        caller.userId,
        input.currentPassword,
        "currentPassword",
      );
      if (!account.twoFactorEnabled) throw new AuthError("TWO_FACTOR_NOT_ENABLED");
      await proveSecondFactor(deps, caller.userId, eitherKindOfCode(input.code));
      return account;
    },
  );
  await deps.twoFactor.disable(caller.userId);
  await recordAudit(deps.audit, request, {
    kind: "two_factor.disabled",
    userId: caller.userId,
    detail: { by: "self" },
  });
  notifyOwner(deps, caller.userId, (owner) => twoFactorChangedNotice(owner, "disabled"));
  return { ...user, twoFactorEnabled: false };
}

/**
 * Ten new recovery codes for a code from the app; the old ones die. Throws
 * TWO_FACTOR_NOT_ENABLED, INVALID_TWO_FACTOR_CODE or TOO_MANY_ATTEMPTS.
 */
export async function regenerateRecoveryCodes(
  deps: Pick<UseCaseDeps, "twoFactor" | "throttle" | "audit">,
  caller: Caller,
  input: { code: string },
  request: RequestFacts,
): Promise<{ recoveryCodes: string[] }> {
  const recoveryCodes = await asCredentialAttempt(
    deps,
    caller.userId,
    "code",
    request,
    async () => {
      if (!(await deps.twoFactor.isEnabled(caller.userId))) {
        throw new AuthError("TWO_FACTOR_NOT_ENABLED");
      }
      await proveSecondFactor(deps, caller.userId, { code: input.code });
      return deps.twoFactor.regenerateRecoveryCodes(caller.userId);
    },
  );
  await recordAudit(deps.audit, request, {
    kind: "two_factor.recovery_codes_regenerated",
    userId: caller.userId,
    detail: {},
  });
  return { recoveryCodes };
}

/**
 * An admin turns a user's two-factor login off (a lost phone and lost
 * recovery codes) and ends their sessions: whoever holds them logs in
 * again, with the password alone. Throws NOT_FOUND or TWO_FACTOR_NOT_ENABLED.
 */
export async function resetTwoFactor(
  deps: Pick<
    UseCaseDeps,
    "users" | "twoFactor" | "sessions" | "oneTimeTokens" | "audit" | "mailer"
  >,
  actor: AdminActor,
  input: { id: string },
  request: RequestFacts,
): Promise<User> {
  const user = await deps.users.findById(input.id);
  if (!user) throw new AuthError("NOT_FOUND", { message: "no such user" });
  if (!(await deps.twoFactor.disable(input.id))) throw new AuthError("TWO_FACTOR_NOT_ENABLED");
  await deps.oneTimeTokens.revoke(input.id, ["mfa_login"]);
  const ended = await deps.sessions.revokeAll(input.id, "two_factor_reset");
  await recordAudit(deps.audit, request, {
    kind: "two_factor.reset",
    userId: input.id,
    detail: { by: actorName(actor), sessionsEnded: ended.length },
  });
  notifyOwner(deps, input.id, (owner) => twoFactorChangedNotice(owner, "reset"));
  return { ...user, twoFactorEnabled: false };
}
