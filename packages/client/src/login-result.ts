import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@warden/server";

type Outputs = inferRouterOutputs<AppRouter>;

/** What `auth.login` answers: a token pair, or, for an account with two-factor login, the second step. */
export type LoginResult = Outputs["auth"]["login"];

/** The second step of a login: send `mfaToken` with a code to `auth.verifyMfa` within `expiresIn` seconds. */
export type MfaChallenge = Extract<LoginResult, { mfaRequired: true }>;

/** The tokens of a completed login (`auth.login` without two-factor login, or `auth.verifyMfa`). */
export type LoginTokens = Outputs["auth"]["verifyMfa"];

/**
 * Whether a login needs a second factor, narrowing the result for the code field.
 *
 * @example
 * const result = await warden.auth.login.mutate({ username, password });
 * if (needsSecondFactor(result)) {
 *   await warden.auth.verifyMfa.mutate({ mfaToken: result.mfaToken, code: await askForCode() });
 * }
 * const me = await warden.users.me.query(); // the client keeps the tokens of either step
 */
export function needsSecondFactor(result: LoginResult): result is MfaChallenge {
  return "mfaRequired" in result && result.mfaRequired === true;
}
