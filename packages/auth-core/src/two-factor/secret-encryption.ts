import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import { uniqueViolationColumn } from "../db/unique-violation.js";
import { AuthError } from "../errors.js";
import { type EncryptionPurpose, KeyEncryption } from "../token/key-encryption.js";

/** Its own HKDF info: TOTP secrets and signing keys never share an AES key. */
export const TOTP_SECRET_PURPOSE: EncryptionPurpose = {
  info: "totp-secret-encryption v1",
  what: "two-factor secret",
};

/** Stored under WARDEN_KEY_ENCRYPTION_KEY. */
const KEK_PREFIX = "kek:";
/** Stored under a development server's own generated key (development_keys). */
const DEV_PREFIX = "dev:";
const DEV_KEY_NAME = "totp-secret-encryption";

/** Encrypts TOTP secrets at rest (AES-256-GCM); a secret is never stored in plaintext. */
export interface SecretEncryption {
  /** Throws TWO_FACTOR_UNAVAILABLE in production without WARDEN_KEY_ENCRYPTION_KEY. */
  encrypt(secret: string): Promise<string>;
  decrypt(stored: string): Promise<string>;
}

export const twoFactorUnavailable = (message?: string) =>
  new AuthError("TWO_FACTOR_UNAVAILABLE", message === undefined ? {} : { message });

/**
 * With WARDEN_KEY_ENCRYPTION_KEY (config.jwt.keyEncryptionKey), secrets are
 * encrypted under a key derived from it. Without it, production refuses
 * (TWO_FACTOR_UNAVAILABLE) and development generates a key of its own once,
 * kept in the database as a development server keeps its signing keys, so
 * two-factor works out of the box there. A secret records which key it is
 * under: a production server never trusts one under a development key.
 */
export function createSecretEncryption(options: {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly keyEncryptionKey: string | undefined;
  readonly production: boolean;
}): SecretEncryption {
  const { db, clock, production } = options;
  const configured = options.keyEncryptionKey
    ? new KeyEncryption(options.keyEncryptionKey, TOTP_SECRET_PURPOSE)
    : null;
  let development: Promise<KeyEncryption> | null = null;

  async function loadDevelopmentKey(): Promise<KeyEncryption> {
    const existing = await db
      .selectFrom("development_keys")
      .select("secret")
      .where("name", "=", DEV_KEY_NAME)
      .executeTakeFirst();
    if (existing) return new KeyEncryption(existing.secret, TOTP_SECRET_PURPOSE);
    const secret = randomBytes(48).toString("base64url");
    try {
      await db
        .insertInto("development_keys")
        .values({ name: DEV_KEY_NAME, secret, created_at: clock.nowIso() })
        .execute();
      return new KeyEncryption(secret, TOTP_SECRET_PURPOSE);
    } catch (error) {
      // Another process made it first: use theirs.
      if (uniqueViolationColumn(error, ["name"]) === null) throw error;
      return loadDevelopmentKey();
    }
  }

  function developmentKey(): Promise<KeyEncryption> {
    if (production)
      return Promise.reject(
        twoFactorUnavailable(
          "two-factor secrets need WARDEN_KEY_ENCRYPTION_KEY on this server; ask its administrator",
        ),
      );
    development ??= loadDevelopmentKey().catch((error: unknown) => {
      development = null;
      throw error;
    });
    return development;
  }

  return {
    async encrypt(secret) {
      if (configured) return `${KEK_PREFIX}${configured.encrypt(secret)}`;
      return `${DEV_PREFIX}${(await developmentKey()).encrypt(secret)}`;
    },
    async decrypt(stored) {
      if (stored.startsWith(KEK_PREFIX)) {
        if (!configured)
          throw twoFactorUnavailable(
            "this account's two-factor secret is encrypted with WARDEN_KEY_ENCRYPTION_KEY, which this server lacks; ask its administrator",
          );
        return configured.decrypt(stored.slice(KEK_PREFIX.length));
      }
      if (stored.startsWith(DEV_PREFIX))
        return (await developmentKey()).decrypt(stored.slice(DEV_PREFIX.length));
      throw new Error("a stored two-factor secret is malformed");
    },
  };
}
