import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const PREFIX = "enc:v1:";

/**
 * What a KeyEncryption protects. Each purpose derives its own AES key from
 * WARDEN_KEY_ENCRYPTION_KEY (HKDF info), so no two uses ever share a key.
 */
export interface EncryptionPurpose {
  /** The HKDF info; never reuse one for another purpose. */
  readonly info: string;
  /** What is stored, for error messages ("signing key"). */
  readonly what: string;
}

export const SIGNING_KEY_PURPOSE: EncryptionPurpose = {
  info: "signing-key-encryption v1",
  what: "signing key",
};

/**
 * Encrypts signing keys kept in the database (AES-256-GCM), so a copy of the
 * database alone cannot mint tokens. The AES key is derived with HKDF from
 * WARDEN_KEY_ENCRYPTION_KEY, which lives only in the environment.
 */
export class KeyEncryption {
  readonly #key: Buffer;
  readonly #what: string;

  constructor(secret: string, purpose: EncryptionPurpose = SIGNING_KEY_PURPOSE) {
    this.#key = Buffer.from(
      hkdfSync("sha256", Buffer.from(secret, "utf8"), "warden", purpose.info, 32),
    );
    this.#what = purpose.what;
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${PREFIX}${[iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString("base64url")).join(".")}`;
  }

  decrypt(stored: string): string {
    const [iv, tag, ciphertext] = stored
      .slice(PREFIX.length)
      .split(".")
      .map((part) => Buffer.from(part, "base64url"));
    if (!iv || !tag || !ciphertext) throw new Error(`a stored ${this.#what} is malformed`);
    const decipher = createDecipheriv("aes-256-gcm", this.#key, iv);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    } catch {
      throw new Error(
        `a stored ${this.#what} does not decrypt with WARDEN_KEY_ENCRYPTION_KEY: is it the one it was encrypted with?`,
      );
    }
  }
}

export function isEncrypted(stored: string): boolean {
  return stored.startsWith(PREFIX);
}
