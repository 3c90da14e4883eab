import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const PREFIX = "enc:v1:";

/**
 * Encrypts signing keys kept in the database (AES-256-GCM), so a copy of the
 * database alone cannot mint tokens. The AES key is derived with HKDF from
 * WARDEN_KEY_ENCRYPTION_KEY, which lives only in the environment.
 */
export class KeyEncryption {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = Buffer.from(
      hkdfSync("sha256", Buffer.from(secret, "utf8"), "warden", "signing-key-encryption v1", 32),
    );
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
    if (!iv || !tag || !ciphertext) throw new Error("a stored signing key is malformed");
    const decipher = createDecipheriv("aes-256-gcm", this.#key, iv);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    } catch {
      throw new Error(
        "the stored signing keys do not decrypt with WARDEN_KEY_ENCRYPTION_KEY: is it the one they were made with?",
      );
    }
  }
}

export function isEncrypted(stored: string): boolean {
  return stored.startsWith(PREFIX);
}
