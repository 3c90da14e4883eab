import type { Kysely } from "kysely";
import type { Database, SigningKeyRow } from "../db/schema.js";

export async function findLiveSigningKeys(
  db: Kysely<Database>,
  algorithm: string,
  now: string,
): Promise<SigningKeyRow[]> {
  return db
    .selectFrom("signing_keys")
    .selectAll()
    .where("algorithm", "=", algorithm)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .orderBy("created_at", "desc")
    .orderBy("kid", "desc")
    .execute();
}

/** Inserts `key` and retires every key that was signing; its tokens stay verifiable until `retiredKeysExpireAt`. */
export async function insertSigningKey(
  db: Kysely<Database>,
  key: { kid: string; algorithm: string; publicJwk: string; privateJwk: string },
  options: { now: string; retiredKeysExpireAt: string },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("signing_keys")
      .set({ retired_at: options.now, expires_at: options.retiredKeysExpireAt })
      .where("algorithm", "=", key.algorithm)
      .where("retired_at", "is", null)
      .execute();
    await trx
      .insertInto("signing_keys")
      .values({
        kid: key.kid,
        algorithm: key.algorithm,
        public_jwk: key.publicJwk,
        private_jwk: key.privateJwk,
        created_at: options.now,
        retired_at: null,
        expires_at: null,
      })
      .execute();
  });
}

export async function deleteExpiredSigningKeys(db: Kysely<Database>, now: string): Promise<void> {
  await db.deleteFrom("signing_keys").where("expires_at", "<=", now).execute();
}

/**
 * Replaces a key's stored private JWK, only if it still holds `from` (another
 * server may have replaced it first); true when this call changed the row.
 */
export async function replaceStoredPrivateJwk(
  db: Kysely<Database>,
  kid: string,
  change: { from: string; to: string },
): Promise<boolean> {
  const result = await db
    .updateTable("signing_keys")
    .set({ private_jwk: change.to })
    .where("kid", "=", kid)
    .where("private_jwk", "=", change.from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
