import { AuthError } from "../errors.js";
import { issueTokenPair, type TokenPair } from "../token/token-pair.js";
import type { User } from "../user/user.js";
import type { CredentialsInput } from "../user/user-input.js";
import { sendVerificationMail } from "./email-verification.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * The owner of an unverified account who typed the right password gets a
 * fresh link (the old one may have expired, and without a login there is no
 * other way to ask), at most 3 in 15 minutes, in the background.
 */
async function mailFreshVerificationLink(
  deps: Pick<UseCaseDeps, "throttle" | "oneTimeTokens" | "mailer" | "links" | "accountRules">,
  user: User,
): Promise<void> {
  if (!deps.mailer.delivers) return;
  try {
    await deps.throttle.mailResend(`verify:${user.id}`);
  } catch {
    return; // Links went out recently: the refusal alone says what to do.
  }
  await sendVerificationMail(deps, user, { wait: false });
}

export interface LoggedIn {
  readonly user: User;
  readonly sessionId: string;
  readonly tokens: TokenPair;
  /** After a login with a recovery code: how many the account has left. */
  readonly recoveryCodesRemaining?: number;
}

/** The second step a login with two-factor login still needs: `mfaToken` and a code, within `expiresIn` seconds. */
export interface MfaChallenge {
  readonly user: User;
  readonly mfaToken: string;
  readonly expiresIn: number;
}

/** A password login's answer: tokens, or the second step. */
export type PasswordLogin =
  | ({ readonly mfaRequired: false } & LoggedIn)
  | ({ readonly mfaRequired: true } & MfaChallenge);

/** How long the second step of a login may take: long enough to find the phone. */
export const MFA_TOKEN_TTL_SECONDS = 300;

/** Opens a session and signs its tokens: the last step of every login. */
export async function completeLogin(
  deps: Pick<UseCaseDeps, "sessions" | "tokens" | "audit">,
  user: User,
  request: RequestFacts,
  detail: Record<string, unknown> = {},
): Promise<LoggedIn> {
  const issued = await deps.sessions.create(user.id, {
    userAgent: request.userAgent ?? null,
    ip: request.ip ?? null,
  });
  const tokens = await issueTokenPair(deps.tokens, user, issued);
  await recordAudit(deps.audit, request, {
    kind: "login.succeeded",
    userId: user.id,
    detail: { sessionId: issued.sessionId, ...detail },
  });
  return { user, sessionId: issued.sessionId, tokens };
}

/**
 * A password login, throttled and audited: the one path of `auth.login` and
 * the OAuth password grant, so both lock an account alike. The attempt is
 * reserved before bcrypt runs and counted against the account whichever of
 * its identifiers was typed. Throws TOO_MANY_ATTEMPTS or INVALID_CREDENTIALS
 * (the same for every failure), or EMAIL_NOT_VERIFIED when the server
 * requires verified addresses. An account with two-factor login gets no
 * tokens yet: a single-use `mfaToken` for `logInWithSecondFactor`.
 */
export async function logInWithPassword(
  deps: Pick<
    UseCaseDeps,
    | "users"
    | "sessions"
    | "tokens"
    | "audit"
    | "throttle"
    | "accountRules"
    | "oneTimeTokens"
    | "mailer"
    | "links"
  >,
  credentials: CredentialsInput,
  request: RequestFacts,
): Promise<PasswordLogin> {
  const candidate = await deps.users.findLoginCandidate(credentials.username);
  const attempt = await deps.throttle.reserveLogin(candidate.throttleKey, request.ip ?? "");
  let user: User;
  try {
    user = await candidate.verify(credentials.password);
  } catch (error) {
    if (!(error instanceof AuthError && error.code === "INVALID_CREDENTIALS")) {
      await attempt.released();
      throw error;
    }
    const { locked } = await attempt.failed();
    const detail = { identifier: credentials.username.slice(0, 254) };
    await recordAudit(deps.audit, request, { kind: "login.failed", detail });
    if (locked) await recordAudit(deps.audit, request, { kind: "login.locked", detail });
    throw error;
  }
  if (user.twoFactorEnabled) {
    // The login is not complete: the account's failures stand until a right
    // code follows (a known password must not wipe a code guesser's count).
    await attempt.released();
  } else {
    await attempt.succeeded();
  }
  // After the password, so the refusal tells a guesser nothing they did not know.
  if (deps.accountRules.requireVerifiedEmail && !user.emailVerified) {
    await mailFreshVerificationLink(deps, user);
    throw new AuthError("EMAIL_NOT_VERIFIED");
  }
  if (user.twoFactorEnabled) {
    const mfaToken = await deps.oneTimeTokens.issue(user.id, "mfa_login", MFA_TOKEN_TTL_SECONDS);
    await recordAudit(deps.audit, request, {
      kind: "login.mfa_required",
      userId: user.id,
      detail: {},
    });
    return { mfaRequired: true, user, mfaToken, expiresIn: MFA_TOKEN_TTL_SECONDS };
  }
  return { mfaRequired: false, ...(await completeLogin(deps, user, request)) };
}
