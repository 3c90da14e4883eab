import type { JWK } from "jose";
import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { SigningAlgorithm } from "../config.js";
import type { Database } from "../db/schema.js";
import { type KeyEncryption, readStoredKey } from "./key-encryption.js";
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
} from "./signing-key.repository.js";

export interface KeyRingOptions {
  readonly db: Kysely<Database>;
  readonly algorithm: SigningAlgorithm;
  /** A key from the environment; when present it is the only key, and rotation is done by replacing it. */
  readonly configuredKey: SigningKey | null;
  readonly accessTokenTtlSeconds: number;
  readonly clock: Clock;
  /** Encrypts private keys stored in the database; required in production when they are used. */
  readonly encryption?: KeyEncryption | null;
}

/**
 * The signing key and every key whose tokens may still be alive. Without a
 * configured key the keys live in the database: generated on first start,
 * rotated by `warden-server keys rotate`, and picked up by running servers on
 * `reload()`.
 */
export class KeyRing {
  readonly #options: KeyRingOptions;
  #current!: SigningKey;
  #byKid = new Map<string, SigningKey>();

  private constructor(options: KeyRingOptions) {
    this.#options = options;
  }

  static async load(options: KeyRingOptions): Promise<KeyRing> {
    const ring = new KeyRing(options);
    await ring.reload();
    return ring;
  }

  get usesDatabaseKeys(): boolean {
    return this.#options.configuredKey === null;
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

  /** Re-reads the stored keys; generates the first one when there is none. */
  async reload(): Promise<void> {
    const { configuredKey, db, algorithm, clock } = this.#options;
    if (configuredKey) {
      this.#current = configuredKey;
      this.#byKid = new Map([[configuredKey.kid, configuredKey]]);
      return;
    }
    let rows = await findLiveSigningKeys(db, algorithm, clock.nowIso());
    if (!rows.some((row) => row.retired_at === null)) {
      await this.rotate();
      rows = await findLiveSigningKeys(db, algorithm, clock.nowIso());
    }
    const keys = await Promise.all(
      rows.map(
        (row) =>
          this.#byKid.get(row.kid) ??
          signingKeyFromPrivateJwk(
            algorithm,
            JSON.parse(readStoredKey(row.private_jwk, this.#options.encryption ?? null)) as JWK,
          ),
      ),
    );
    const signing = rows.findIndex((row) => row.retired_at === null);
    this.#current = keys[signing] as SigningKey;
    this.#byKid = new Map(keys.map((key) => [key.kid, key]));
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
