import { AuthError } from "../errors.js";
import { passwordKnownNotice } from "../mail/templates.js";
import { accountThrottleKey } from "../user/user.service.js";
import { completeLogin, type LoggedIn } from "./log-in-with-password.js";
import { notifyOwner } from "./notify-owner.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import { proveSecondFactor, type SecondFactorInput } from "./second-factor.js";
import type { UseCaseDeps } from "./use-case-deps.js";

const invalidMfaToken = () => new AuthError("INVALID_MFA_TOKEN");

/** A dead one-time token, here, is a login step that is over: the caller logs in again. */
function asMfaTokenError(error: unknown): unknown {
  return error instanceof AuthError && error.code === "INVALID_ONE_TIME_TOKEN"
    ? invalidMfaToken()
    : error;
}

/**
 * The second step of a login with two-factor login: the `mfaToken` a right
 * password earned, and a code from the app or a recovery code. A wrong code
 * counts toward the account's lockout as a wrong password does, and leaves
 * the token usable for another try until it expires; a right one uses the
 * token up (of two racing, one wins), clears the count and opens the
 * session. Throws INVALID_MFA_TOKEN, INVALID_TWO_FACTOR_CODE or TOO_MANY_ATTEMPTS.
 */
export async function logInWithSecondFactor(
  deps: Pick<
    UseCaseDeps,
    | "users"
    | "sessions"
    | "tokens"
    | "audit"
    | "throttle"
    | "oneTimeTokens"
    | "twoFactor"
    | "mailer"
  >,
  input: { mfaToken: string } & SecondFactorInput,
  request: RequestFacts,
): Promise<LoggedIn> {
  const { userId } = await deps.oneTimeTokens
    .peek(input.mfaToken, ["mfa_login"])
    .catch((error: unknown) => {
      throw asMfaTokenError(error);
    });
  const attempt = await deps.throttle.reserveLogin(accountThrottleKey(userId), request.ip ?? "");
  let proof: Awaited<ReturnType<typeof proveSecondFactor>>;
  try {
    proof = await proveSecondFactor(deps, userId, input);
  } catch (error) {
    if (!(error instanceof AuthError && error.code === "INVALID_TWO_FACTOR_CODE")) {
      await attempt.released();
      throw error;
    }
    const { locked } = await attempt.failed();
    const detail = { secondFactor: input.recoveryCode === undefined ? "totp" : "recovery_code" };
    await recordAudit(deps.audit, request, { kind: "login.failed", userId, detail });
    if (locked) {
      await recordAudit(deps.audit, request, { kind: "login.locked", userId, detail });
      // Every one of those codes came after the right password: the owner should change it.
      notifyOwner(deps, userId, passwordKnownNotice);
    }
    throw error;
  }
  try {
    await deps.oneTimeTokens.redeem(input.mfaToken, ["mfa_login"]);
  } catch (error) {
    await attempt.released();
    // Expired in between, or a parallel request with another right code got it first.
    throw asMfaTokenError(error);
  }
  // Disabled or deleted since the password was checked: no session.
  const user = await deps.users.findActiveById(userId);
  if (!user) {
    await attempt.released();
    throw invalidMfaToken();
  }
  await attempt.succeeded();
  if (proof.method === "recovery_code") {
    await recordAudit(deps.audit, request, {
      kind: "two_factor.recovery_code_used",
      userId,
      detail: { recoveryCodesRemaining: proof.recoveryCodesRemaining },
    });
  }
  const loggedIn = await completeLogin(deps, user, request, { secondFactor: proof.method });
  return proof.method === "recovery_code"
    ? { ...loggedIn, recoveryCodesRemaining: proof.recoveryCodesRemaining }
    : loggedIn;
}
