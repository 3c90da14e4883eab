import { AuthError } from "../errors.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/** What a person typed as their second factor: a code from the app, or one of their recovery codes. */
export type SecondFactorInput =
  | { readonly code: string; readonly recoveryCode?: undefined }
  | { readonly recoveryCode: string; readonly code?: undefined };

/** How the second factor was proven. */
export type SecondFactorProof =
  | { readonly method: "totp" }
  | { readonly method: "recovery_code"; readonly recoveryCodesRemaining: number };

/**
 * Checks a second factor of an account with two-factor login: a TOTP code
 * is accepted once (its time step is then used), a recovery code is used
 * up. Throws INVALID_TWO_FACTOR_CODE for a wrong, replayed or used code; the
 * caller counts that toward the account's lockout.
 */
export async function proveSecondFactor(
  deps: Pick<UseCaseDeps, "twoFactor">,
  userId: string,
  input: SecondFactorInput,
): Promise<SecondFactorProof> {
  if (input.recoveryCode !== undefined) {
    const used = await deps.twoFactor.useRecoveryCode(userId, input.recoveryCode);
    if (!used) throw new AuthError("INVALID_TWO_FACTOR_CODE");
    return { method: "recovery_code", recoveryCodesRemaining: used.remaining };
  }
  if (!(await deps.twoFactor.verifyCode(userId, input.code))) {
    throw new AuthError("INVALID_TWO_FACTOR_CODE");
  }
  return { method: "totp" };
}

/**
 * A code typed where either kind is welcome (disabling two-factor login
 * from a new phone's lost twin): six digits are a TOTP code, anything
 * else is tried as a recovery code.
 */
export function eitherKindOfCode(code: string): SecondFactorInput {
  return /^\s*[0-9]{3}\s*[0-9]{3}\s*$/.test(code) ? { code } : { recoveryCode: code };
}
