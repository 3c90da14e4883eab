import { AuthError } from "../errors.js";
import { accountThrottleKey } from "../user/user.service.js";
import type { RequestFacts } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * Runs `check` (which verifies a password the caller typed, throwing
 * INVALID_INPUT naming `field` when it is wrong, and may verify a
 * two-factor code, throwing INVALID_TWO_FACTOR_CODE) as an attempt at the
 * account: reserved first, so parallel guesses cannot outrun the lock, and
 * a wrong password or code counts toward it as a wrong login does. Throws
 * TOO_MANY_ATTEMPTS while the account or the caller's network is locked.
 */
export async function asCredentialAttempt<T>(
  deps: Pick<UseCaseDeps, "throttle">,
  userId: string,
  field: string,
  request: RequestFacts,
  check: () => Promise<T>,
): Promise<T> {
  const attempt = await deps.throttle.reserveLogin(accountThrottleKey(userId), request.ip ?? "");
  let result: T;
  try {
    result = await check();
  } catch (error) {
    const wrongCredential =
      error instanceof AuthError &&
      (error.code === "INVALID_TWO_FACTOR_CODE" ||
        (error.code === "INVALID_INPUT" && error.issues.some((issue) => issue.field === field)));
    // Anything else says nothing about the credentials: the attempt is given back.
    if (wrongCredential) await attempt.failed();
    else await attempt.released();
    throw error;
  }
  await attempt.succeeded();
  return result;
}
