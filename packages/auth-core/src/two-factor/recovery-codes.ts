import { createHash, randomInt } from "node:crypto";

/**
 * Recovery codes: 12 characters of Crockford's base32 (no i, l, o, u, so
 * nothing reads as another character), 60 random bits each, shown as
 * `xxxx-xxxx-xxxx`. What a person types is normalised first: case, spaces
 * and dashes do not matter, and i/l read as 1, o as 0.
 */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const LENGTH = 12;

/** A new code, `xxxx-xxxx-xxxx`, from crypto randomness. */
export function newRecoveryCode(): string {
  let code = "";
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(newRecoveryCode());
  return [...codes];
}

/** The code's 12 characters as issued, or null when it cannot be one. */
export function normaliseRecoveryCode(typed: string): string | null {
  if (typed.length > 64) return null;
  const code = typed
    .toLowerCase()
    .replace(/[\s\-‐-―]/g, "")
    .replace(/[il]/g, "1")
    .replace(/o/g, "0");
  if (code.length !== LENGTH || [...code].some((c) => !ALPHABET.includes(c))) return null;
  return code;
}

/**
 * SHA-256 (hex) of the account id and the normalised code. 60 random bits
 * need no slow hash for a single-use code; the account id keeps one table of
 * guesses from serving every account.
 */
export function hashRecoveryCode(userId: string, normalised: string): string {
  return createHash("sha256").update(`${userId}:${normalised}`, "utf8").digest("hex");
}
