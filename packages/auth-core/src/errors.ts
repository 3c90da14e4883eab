/**
 * Every failure auth-core reports on purpose. The server maps each code to a
 * transport status in one place (apps/server/src/errors/to-trpc-error.ts);
 * nothing else should need to know this list.
 */
export const AUTH_ERROR_CODES = {
  INVALID_INPUT: "input failed validation",
  INVALID_CREDENTIALS: "invalid username or password",
  INVALID_TOKEN: "the token is missing, malformed, expired or revoked",
  INVALID_REFRESH_TOKEN: "the refresh token is invalid, expired or revoked",
  INVALID_CLIENT: "client authentication failed",
  INVALID_SCOPE: "the requested scope is not allowed",
  FORBIDDEN: "not allowed",
  NOT_FOUND: "not found",
  USERNAME_TAKEN: "that username is already taken",
  EMAIL_TAKEN: "that email is already registered",
  LAST_ADMIN: "the last admin cannot be demoted or disabled",
  TOO_MANY_ATTEMPTS: "too many attempts; try again later",
  BUSY: "the server is busy checking passwords; try again shortly",
  INVALID_ONE_TIME_TOKEN:
    "this link is not valid: it was used, replaced by a newer one, or has expired",
  EMAIL_NOT_VERIFIED:
    "verify your email address first: open the link in the mail Warden sent (a new one is on its way)",
  EMAIL_ALREADY_VERIFIED: "this email address is already verified",
  MAIL_UNAVAILABLE: "this server sends no mail; ask its administrator",
  MAIL_FAILED: "the mail could not be sent; try again shortly",
  TWO_FACTOR_UNAVAILABLE:
    "two-factor login is not available on this server (it has no WARDEN_KEY_ENCRYPTION_KEY); ask its administrator",
  INVALID_TWO_FACTOR_CODE: "the code is wrong, expired or already used",
  TWO_FACTOR_NOT_ENABLED: "two-factor login is not enabled for this account",
  TWO_FACTOR_SETUP_REQUIRED: "no two-factor setup is pending: start the setup first",
  TWO_FACTOR_ALREADY_ENABLED:
    "two-factor login is already on: turn it off first (with your password and a code) to set up a new authenticator",
  INVALID_MFA_TOKEN:
    "this login step expired or was already completed: log in again with your password",
} as const;

export type AuthErrorCode = keyof typeof AUTH_ERROR_CODES;

/** One problem with one input field, as shown to the user beside that field. */
export interface FieldIssue {
  field: string;
  message: string;
}

export class AuthError extends Error {
  override readonly name = "AuthError";
  readonly code: AuthErrorCode;
  readonly issues: readonly FieldIssue[];
  /** Seconds until a throttled or turned-away caller may try again (TOO_MANY_ATTEMPTS, BUSY). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: AuthErrorCode,
    options: {
      message?: string;
      issues?: readonly FieldIssue[];
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(options.message ?? AUTH_ERROR_CODES[code], { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function invalidInput(issues: readonly FieldIssue[]): AuthError {
  const message = issues.map((issue) => `${issue.field}: ${issue.message}`).join("; ");
  return new AuthError("INVALID_INPUT", { message, issues });
}

/** Thrown at start when the environment is unusable; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}
