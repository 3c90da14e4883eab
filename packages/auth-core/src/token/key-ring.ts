import type { JWK } from "jose";
import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { SigningAlgorithm } from "../config.js";
import type { Database, SigningKeyRow } from "../db/schema.js";
import { isEncrypted, type KeyEncryption } from "./key-encryption.js";
import {
  exportPrivateJwk,
  generateSigningKey,
  type SigningKey,
  signingKeyFromPrivateJwk,
} from "./signing-key.js";
import {
  deleteExpiredSigningKeys,
  findLiveSigningKeys,
  insertSigningKey,
  replaceStoredPrivateJwk,
} from "./signing-key.repository.js";

export interface KeyRingOptions {
  readonly db: Kysely<Database>;
  readonly algorithm: SigningAlgorithm;
  /** A key from the environment; when present it is the only key, and rotation is done by replacing it. */
  readonly configuredKey: SigningKey | null;
  readonly accessTokenTtlSeconds: number;
  readonly clock: Clock;
  /** Encrypts private keys stored in the database (WARDEN_KEY_ENCRYPTION_KEY); required in production when they are used. */
  readonly encryption?: KeyEncryption | null;
  /**
   * NODE_ENV=production (`config.production`). In production a stored key is
   * used only if it decrypts with `encryption`; in development, with
   * `encryption`, stored plaintext keys are encrypted in place. When absent:
   * production if `encryption` is set (plaintext rows are then never trusted),
   * development otherwise.
   */
  readonly production?: boolean;
}

/** Why a notice was given; the kinds that say "ignored" have level "warn". */
export type KeyRingNoticeReason =
  /** Development with a key-encryption key: a plaintext row was encrypted in place. */
  | "encrypted"
  /** No stored key could sign, so a new one was generated (and the previous ones retired). */
  | "generated"
  /** Ignored: a plaintext row while plaintext keys are not trusted (production). */
  | "plaintext-in-production"
  /** Ignored: an encrypted row that does not decrypt with WARDEN_KEY_ENCRYPTION_KEY. */
  | "not-decryptable"
  /** Ignored: an encrypted row, and WARDEN_KEY_ENCRYPTION_KEY is not set. */
  | "no-key-encryption-key"
  /** Ignored: not a private key of the algorithm, or not the key its kid names. */
  | "unreadable";

/** Something the server should log about the stored keys; each is given once per process. */
export interface KeyRingNotice {
  readonly level: "info" | "warn";
  readonly reason: KeyRingNoticeReason;
  /** The `kid` of the row in signing_keys, or of the key generated. */
  readonly kid: string;
  readonly message: string;
}

type StoredKey =
  | { readonly row: SigningKeyRow; readonly key: SigningKey }
  | { readonly row: SigningKeyRow; readonly ignored: KeyRingNotice };

/** Rows that another server, with the right key-encryption key, may still sign with. */
const READABLE_ELSEWHERE = new Set<KeyRingNoticeReason>([
  "not-decryptable",
  "no-key-encryption-key",
]);

/**
 * The signing key and every key whose tokens may still be alive. Without a
 * configured key the keys live in the database: generated on first start,
 * rotated by `warden-server keys rotate`, and picked up by running servers on
 * `reload()`. With a key-encryption key in production, only rows that decrypt
 * with it are used: a row written to the database by anyone else is ignored
 * and reported in `notices`.
 */
export class KeyRing {
  readonly #options: KeyRingOptions;
  /** Whether plaintext rows are refused. */
  readonly #strict: boolean;
  #current!: SigningKey;
  #byKid = new Map<string, SigningKey>();
  readonly #notices: KeyRingNotice[] = [];
  readonly #reported = new Set<string>();

  private constructor(options: KeyRingOptions) {
    const encrypted = (options.encryption ?? null) !== null;
    if (options.configuredKey === null && options.production === true && !encrypted) {
      throw new Error(
        "in production the signing keys kept in the database must be encrypted: set WARDEN_KEY_ENCRYPTION_KEY (or give the key in JWT_PRIVATE_KEY)",
      );
    }
    this.#options = options;
    this.#strict = options.production ?? encrypted;
  }

  static async load(options: KeyRingOptions): Promise<KeyRing> {
    const ring = new KeyRing(options);
    await ring.reload();
    return ring;
  }

  get usesDatabaseKeys(): boolean {
    return this.#options.configuredKey === null;
  }

  /**
   * What was found in the stored keys since `load`: rows ignored, rows
   * encrypted in place, keys generated. Each row is reported once; `reload()`
   * returns the ones it adds.
   */
  get notices(): readonly KeyRingNotice[] {
    return this.#notices;
  }

  current(): SigningKey {
    return this.#current;
  }

  find(kid: string): SigningKey | undefined {
    return this.#byKid.get(kid);
  }

  jwks(): { keys: JWK[] } {
    return {
      keys: [...this.#byKid.values()].flatMap((key) => (key.publicJwk ? [key.publicJwk] : [])),
    };
  }

  /**
   * Re-reads the stored keys; generates one when none can sign. Returns the
   * notices not given before (also added to `notices`).
   */
  async reload(): Promise<readonly KeyRingNotice[]> {
    const { configuredKey } = this.#options;
    if (configuredKey) {
      this.#current = configuredKey;
      this.#byKid = new Map([[configuredKey.kid, configuredKey]]);
      return [];
    }
    const found: KeyRingNotice[] = [];
    let stored = await this.#readStored(found);
    let signing = signingKeyOf(stored);
    if (!signing) {
      const elsewhere = stored.find(
        (s) =>
          s.row.retired_at === null && "ignored" in s && READABLE_ELSEWHERE.has(s.ignored.reason),
      );
      if (elsewhere && "ignored" in elsewhere) {
        // Generating a key would retire one that other servers may be signing with.
        throw new Error(
          `no stored signing key can sign: ${elsewhere.ignored.message}. No new key is generated, since servers with the right WARDEN_KEY_ENCRYPTION_KEY may still be signing with it`,
        );
      }
      const key = await this.rotate();
      found.push({
        level: "info",
        reason: "generated",
        kid: key.kid,
        message: `no stored signing key could sign: generated signing key ${key.kid}`,
      });
      stored = await this.#readStored(found);
      signing = signingKeyOf(stored);
      if (!signing)
        throw new Error(`the signing key ${key.kid} just generated cannot be read back`);
    }
    this.#current = signing;
    this.#byKid = new Map(stored.flatMap((s) => ("key" in s ? [[s.key.kid, s.key] as const] : [])));
    const fresh = found.filter((notice) => {
      const id = `${notice.reason} ${notice.kid}`;
      if (this.#reported.has(id)) return false;
      this.#reported.add(id);
      return true;
    });
    this.#notices.push(...fresh);
    return fresh;
  }

  async #readStored(found: KeyRingNotice[]): Promise<StoredKey[]> {
    const { db, algorithm, clock } = this.#options;
    const rows = await findLiveSigningKeys(db, algorithm, clock.nowIso());
    return Promise.all(rows.map((row) => this.#open(row, found)));
  }

  /** A stored row as a key this server trusts, or the reason it is ignored. */
  async #open(row: SigningKeyRow, found: KeyRingNotice[]): Promise<StoredKey> {
    const known = this.#byKid.get(row.kid);
    if (known) return { row, key: known };
    const { db, algorithm } = this.#options;
    const encryption = this.#options.encryption ?? null;
    const ignore = (reason: KeyRingNoticeReason, why: string): StoredKey => {
      const notice: KeyRingNotice = {
        level: "warn",
        reason,
        kid: row.kid,
        message: `signing key ${row.kid} is ignored: ${why}`,
      };
      found.push(notice);
      return { row, ignored: notice };
    };

    const encrypted = isEncrypted(row.private_jwk);
    let privateJwk: string;
    if (encrypted) {
      if (!encryption)
        return ignore(
          "no-key-encryption-key",
          "it is stored encrypted; set WARDEN_KEY_ENCRYPTION_KEY to use it",
        );
      try {
        privateJwk = encryption.decrypt(row.private_jwk);
      } catch {
        return ignore(
          "not-decryptable",
          "it does not decrypt with WARDEN_KEY_ENCRYPTION_KEY (encrypted under another key, or altered)",
        );
      }
    } else if (this.#strict) {
      return ignore(
        "plaintext-in-production",
        "it is stored unencrypted, and in production only keys encrypted with WARDEN_KEY_ENCRYPTION_KEY are used (a development key, or one written to the database by someone else)",
      );
    } else {
      privateJwk = row.private_jwk;
    }

    let key: SigningKey;
    try {
      key = await signingKeyFromPrivateJwk(algorithm, JSON.parse(privateJwk) as JWK);
    } catch {
      return ignore("unreadable", `it is not a usable ${algorithm} private key`);
    }
    if (key.kid !== row.kid) return ignore("unreadable", `it holds the private key of ${key.kid}`);

    if (!encrypted && encryption) {
      // Development only (production refused the row above): a convenience.
      const changed = await replaceStoredPrivateJwk(db, row.kid, {
        from: row.private_jwk,
        to: encryption.encrypt(row.private_jwk),
      });
      if (changed)
        found.push({
          level: "info",
          reason: "encrypted",
          kid: row.kid,
          message: `signing key ${row.kid} was stored unencrypted: it is now encrypted with WARDEN_KEY_ENCRYPTION_KEY`,
        });
    }
    return { row, key };
  }

  #sealed(privateJwk: string): string {
    return this.#options.encryption ? this.#options.encryption.encrypt(privateJwk) : privateJwk;
  }

  /** A new key signs from now on; the old ones stay published until their last token expires. */
  async rotate(): Promise<SigningKey> {
    const { db, algorithm, clock, accessTokenTtlSeconds } = this.#options;
    if (!this.usesDatabaseKeys) {
      throw new Error(
        "the signing key comes from JWT_PRIVATE_KEY or JWT_SECRET: rotate it by replacing that value",
      );
    }
    const key = await generateSigningKey(algorithm);
    const now = clock.now();
    await deleteExpiredSigningKeys(db, now.toISOString());
    await insertSigningKey(
      db,
      {
        kid: key.kid,
        algorithm,
        publicJwk: JSON.stringify(key.publicJwk),
        privateJwk: this.#sealed(JSON.stringify(await exportPrivateJwk(key))),
      },
      {
        now: now.toISOString(),
        // A minute of slack for clock skew between servers.
        retiredKeysExpireAt: new Date(
          now.getTime() + (accessTokenTtlSeconds + 60) * 1000,
        ).toISOString(),
      },
    );
    return key;
  }
}

/** The newest stored key that is not retired and is trusted. */
function signingKeyOf(stored: readonly StoredKey[]): SigningKey | undefined {
  const signing = stored.find((s) => s.row.retired_at === null && "key" in s);
  return signing && "key" in signing ? signing.key : undefined;
}
