import type { Kysely } from "kysely";
import type { Database, TwoFactorRow } from "../db/schema.js";
import { uniqueViolationColumn } from "../db/unique-violation.js";

/**
 * Row-level storage for two-factor login. Every check-and-write that two
 * parallel requests could race is one conditional statement (or a
 * transaction that first locks the account's two_factor row on PostgreSQL
 * and MySQL; SQLite runs one write transaction at a time).
 */
export interface RepositoryOptions {
  readonly db: Kysely<Database>;
  /** Row locks (PostgreSQL, MySQL); SQLite needs none. */
  readonly lockRows: boolean;
}

export async function findTwoFactor(
  db: Kysely<Database>,
  userId: string,
): Promise<TwoFactorRow | undefined> {
  return db.selectFrom("two_factor").selectAll().where("user_id", "=", userId).executeTakeFirst();
}

/** Stores a pending secret (replacing an earlier pending one); the active one is untouched. */
export async function savePendingSecret(
  db: Kysely<Database>,
  userId: string,
  pendingSecret: string,
  now: string,
): Promise<void> {
  const update = () =>
    db
      .updateTable("two_factor")
      .set({ pending_secret: pendingSecret, pending_created_at: now, updated_at: now })
      .where("user_id", "=", userId)
      .executeTakeFirst();
  if (Number((await update()).numUpdatedRows) === 1) return;
  try {
    await db
      .insertInto("two_factor")
      .values({
        user_id: userId,
        secret: null,
        pending_secret: pendingSecret,
        pending_created_at: now,
        enabled: 0,
        enabled_at: null,
        last_used_step: null,
        updated_at: now,
      })
      .execute();
  } catch (error) {
    // A parallel setup inserted the row first: the later write wins, as for an update.
    if (uniqueViolationColumn(error, ["user_id"]) === null) throw error;
    await update();
  }
}

/**
 * Makes the pending secret the active one, if it is still `pendingSecret`
 * (the stored, encrypted value the code was checked against), records `step`
 * as used, and replaces the recovery codes; false when a parallel enable or
 * setup got there first (nothing is written then).
 */
export async function activatePendingSecret(
  options: RepositoryOptions,
  record: { userId: string; pendingSecret: string; step: number; codeHashes: readonly string[] },
  now: string,
): Promise<boolean> {
  return options.db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable("two_factor")
      .set({
        secret: record.pendingSecret,
        pending_secret: null,
        pending_created_at: null,
        enabled: 1,
        enabled_at: now,
        last_used_step: record.step,
        updated_at: now,
      })
      .where("user_id", "=", record.userId)
      .where("pending_secret", "=", record.pendingSecret)
      // Never over a working secret: replacing one takes disable (password and code) first.
      .where("enabled", "=", 0)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await setUserFlag(trx, record.userId, 1, now);
    // The update above holds the row's lock until commit: recovery-code
    // writes for this account wait for it (see replaceRecoveryCodes).
    await writeRecoveryCodes(trx, record.userId, record.codeHashes, now);
    return true;
  });
}

/**
 * Records `step` as the last used one, if 2FA is enabled and `step` is later
 * than the last used step. One conditional UPDATE: of two parallel uses of
 * one code, the second finds the step already used (PostgreSQL and MySQL
 * re-check the condition on the row once the first's lock is released), so
 * exactly one gets true.
 */
export async function acceptTimeStep(
  db: Kysely<Database>,
  userId: string,
  step: number,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable("two_factor")
    .set({ last_used_step: step, updated_at: now })
    .where("user_id", "=", userId)
    .where("enabled", "=", 1)
    .where((eb) => eb.or([eb("last_used_step", "is", null), eb("last_used_step", "<", step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Replaces an enabled account's recovery codes; false when 2FA is not enabled. */
export async function replaceRecoveryCodes(
  options: RepositoryOptions,
  userId: string,
  codeHashes: readonly string[],
  now: string,
): Promise<boolean> {
  return options.db.transaction().execute(async (trx) => {
    // Locking the account's two_factor row first makes parallel replacements
    // run one after the other, where MySQL's gap locks on the delete and the
    // insert would otherwise deadlock them.
    let query = trx
      .selectFrom("two_factor")
      .select("user_id")
      .where("user_id", "=", userId)
      .where("enabled", "=", 1);
    if (options.lockRows) query = query.forUpdate();
    if (!(await query.executeTakeFirst())) return false;
    await writeRecoveryCodes(trx, userId, codeHashes, now);
    return true;
  });
}

/** users.two_factor_enabled, kept with the two_factor row in the caller's transaction. */
async function setUserFlag(
  trx: Kysely<Database>,
  userId: string,
  enabled: 0 | 1,
  now: string,
): Promise<void> {
  await trx
    .updateTable("users")
    .set({ two_factor_enabled: enabled, updated_at: now })
    .where("id", "=", userId)
    .execute();
}

async function writeRecoveryCodes(
  trx: Kysely<Database>,
  userId: string,
  codeHashes: readonly string[],
  now: string,
): Promise<void> {
  await trx.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  if (codeHashes.length > 0)
    await trx
      .insertInto("recovery_codes")
      .values(
        codeHashes.map((codeHash) => ({ user_id: userId, code_hash: codeHash, created_at: now })),
      )
      .execute();
}

/** Uses a recovery code up: true only for the one caller whose delete removed it. */
export async function deleteRecoveryCode(
  db: Kysely<Database>,
  userId: string,
  codeHash: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom("recovery_codes")
    .where("user_id", "=", userId)
    .where("code_hash", "=", codeHash)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function countRecoveryCodes(db: Kysely<Database>, userId: string): Promise<number> {
  const row = await db
    .selectFrom("recovery_codes")
    .select((eb) => eb.fn.countAll<number | string | bigint>().as("count"))
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Removes the account's secrets and recovery codes; true when 2FA was enabled. */
export async function removeTwoFactor(
  options: RepositoryOptions,
  userId: string,
  now: string,
): Promise<boolean> {
  return options.db.transaction().execute(async (trx) => {
    let query = trx.selectFrom("two_factor").select("enabled").where("user_id", "=", userId);
    if (options.lockRows) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    await trx.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
    await trx.deleteFrom("two_factor").where("user_id", "=", userId).execute();
    await setUserFlag(trx, userId, 0, now);
    return row?.enabled === 1;
  });
}
