import { createHash, randomBytes } from "node:crypto";

/** 256 random bits, base64url: opaque to the holder. */
export function generateRefreshToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * What the database keeps instead of the token. A plain SHA-256 suffices (no
 * salt, no slow hash): the input is 256 random bits, so there is nothing to
 * guess, and lookups by hash stay a single index probe.
 */
export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
