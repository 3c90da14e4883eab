import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";

/** A one-time token's row, as callers speak of it. */
export interface OneTimeTokenRecord {
  readonly tokenHash: string;
  readonly purpose: string;
  readonly userId: string;
  readonly email: string | null;
  readonly expiresAt: string;
}

/**
 * Stores a token, replacing every earlier one of the same account and
 * purpose (a newer request kills older links). Written so that InnoDB takes
 * no gap locks, which deadlock concurrent writers here (two registrations
 * at once, each deleting an empty range, then both inserting into it): the
 * account's row is locked first, so one account's replacements run one after
 * the other; its earlier tokens are then read and deleted by primary key.
 */
export async function replaceToken(
  db: Kysely<Database>,
  options: { lockRows: boolean },
  record: OneTimeTokenRecord,
  now: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (options.lockRows)
      await trx
        .selectFrom("users")
        .select("id")
        .where("id", "=", record.userId)
        .forUpdate()
        .execute();
    const earlier = await trx
      .selectFrom("one_time_tokens")
      .select("token_hash")
      .where("user_id", "=", record.userId)
      .where("purpose", "=", record.purpose)
      .execute();
    if (earlier.length > 0)
      await trx
        .deleteFrom("one_time_tokens")
        .where(
          "token_hash",
          "in",
          earlier.map((row) => row.token_hash),
        )
        .execute();
    await trx
      .insertInto("one_time_tokens")
      .values({
        token_hash: record.tokenHash,
        purpose: record.purpose,
        user_id: record.userId,
        email: record.email,
        created_at: now,
        expires_at: record.expiresAt,
      })
      .execute();
  });
}

export async function findToken(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<OneTimeTokenRecord | undefined> {
  const row = await db
    .selectFrom("one_time_tokens")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  return row
    ? {
        tokenHash: row.token_hash,
        purpose: row.purpose,
        userId: row.user_id,
        email: row.email,
        expiresAt: row.expires_at,
      }
    : undefined;
}

/** Deletes the token; true only for the one caller whose delete removed it (two racing uses: one wins). */
export async function deleteToken(db: Kysely<Database>, tokenHash: string): Promise<boolean> {
  const result = await db
    .deleteFrom("one_time_tokens")
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** Deletes an account's tokens of the given purposes (a password change kills its reset links). */
export async function deleteTokensOf(
  db: Kysely<Database>,
  userId: string,
  purposes: readonly string[],
): Promise<void> {
  await db
    .deleteFrom("one_time_tokens")
    .where("user_id", "=", userId)
    .where("purpose", "in", purposes)
    .execute();
}
