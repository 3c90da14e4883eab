import { generateSecret, generateSync, generateURI, verifySync } from "otplib";

/**
 * RFC 6238 TOTP as authenticator apps speak it: HMAC-SHA-1, 6 digits, 30 s
 * steps, a code of the step before or after the current one accepted (clock
 * drift). The HMAC and truncation are otplib's; the time is always passed in
 * (from the injected Clock), never read here.
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps either side of the current one that are accepted. */
export const TOTP_WINDOW_STEPS = 1;
/** 160 bits, as RFC 4226 recommends: 32 base32 characters. */
export const TOTP_SECRET_BYTES = 20;

/** A new random secret, base32 (RFC 4648, no padding). */
export function newTotpSecret(): string {
  return generateSecret({ length: TOTP_SECRET_BYTES });
}

/** The RFC 6238 time step of a moment. */
export function timeStepAt(at: Date): number {
  return Math.floor(at.getTime() / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code an authenticator app shows for `secret` at `at`. */
export function totpCodeAt(secret: string | Uint8Array, at: Date, digits = TOTP_DIGITS): string {
  return generateSync({
    secret,
    algorithm: "sha1",
    digits,
    period: TOTP_PERIOD_SECONDS,
    epoch: Math.floor(at.getTime() / 1000),
  });
}

/**
 * The time step `code` belongs to, if it is right for `secret` within one
 * step of `at` and later than `afterStep` (the last step accepted: a replay
 * is refused); null otherwise. Anything but 6 digits is refused unchecked.
 */
export function matchingTimeStep(
  secret: string,
  code: string,
  at: Date,
  afterStep: number | null = null,
): number | null {
  const digits = code.replace(/\s/g, "");
  if (!/^[0-9]{6}$/.test(digits)) return null;
  const result = verifySync({
    secret,
    token: digits,
    algorithm: "sha1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    epoch: Math.floor(at.getTime() / 1000),
    // Seconds, not steps: with a tolerance of one period the window is
    // exactly the previous, current and next step, wherever in its step `at` is.
    epochTolerance: TOTP_WINDOW_STEPS * TOTP_PERIOD_SECONDS,
    ...(afterStep === null ? {} : { afterTimeStep: afterStep }),
  });
  return result.valid && "timeStep" in result ? result.timeStep : null;
}

/** The otpauth:// URI an authenticator app scans. */
export function otpauthUri(options: { secret: string; issuer: string; account: string }): string {
  return generateURI({
    issuer: options.issuer,
    label: options.account,
    secret: options.secret,
    algorithm: "sha1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}
