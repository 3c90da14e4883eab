/**
 * One password attempt, reserved before the password is checked, so that
 * parallel guesses cannot all reach bcrypt: with N at once, at most the
 * account's budget are checked and the rest are refused. Settled once.
 */
export interface AttemptReservation {
  /** The whole login succeeded: the account's count is cleared and the IP's attempt given back. */
  succeeded(): Promise<void>;
  /** The attempt failed; `locked` is true when this failure locked the account. */
  failed(): Promise<{ locked: boolean }>;
  /** The password was never checked (the server could not): the attempt is given back. */
  released(): Promise<void>;
}

/**
 * Slows guessing: the port the use cases count attempts through. The server
 * provides it, in memory or shared across instances through Redis; every
 * operation is atomic in both.
 */
export interface Throttle {
  /**
   * Reserves an attempt at `account` (an account's own key, whatever
   * identifier named it) from `ip`. Throws TOO_MANY_ATTEMPTS (with
   * retryAfterSeconds) while the account or the IP is locked.
   */
  reserveLogin(account: string, ip: string): Promise<AttemptReservation>;
  /** Throws TOO_MANY_ATTEMPTS while `ip` has failed client authentication too often. */
  checkClientAuthentication(ip: string): Promise<void>;
  clientAuthenticationFailed(ip: string): Promise<void>;
  /** Counts a registration from `ip`; throws TOO_MANY_ATTEMPTS past the configured rate. */
  registration(ip: string): Promise<void>;
  /**
   * Counts a password-reset request for `address` (3 per 15 minutes, whether
   * or not an account has it) and from `ip` (30 per 15 minutes); throws
   * TOO_MANY_ATTEMPTS past either.
   */
  passwordResetRequest(address: string, ip: string): Promise<void>;
  /** Counts a mail the account asks for again (a verification resent); throws TOO_MANY_ATTEMPTS past 3 per 15 minutes. */
  mailResend(account: string): Promise<void>;
  /** Forgets the account's failed password attempts: a completed password reset unlocks it. */
  clearAccount(account: string): Promise<void>;
}
