import { type Kysely, sql, type Transaction } from "kysely";
import type { Database, UserRow } from "../db/schema.js";
import { uniqueViolationColumn } from "../db/unique-violation.js";
import { type CursorPosition, keysetAfter } from "../pagination.js";
import type { Role, UserAccount } from "./user.js";

/*
 * Every query about users. Callers speak in UserAccount; the snake_case rows,
 * the lower-cased lookup keys and the drivers' unique-violation errors stay here.
 */

function usernameKey(username: string): string {
  return username.toLowerCase();
}

function emailKey(email: string): string {
  return email.toLowerCase();
}

function toAccount(row: UserRow): UserAccount {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    passwordHash: row.password_hash,
    disabled: Number(row.disabled) === 1,
    emailVerified: Number(row.email_verified) === 1,
    twoFactorEnabled: Number(row.two_factor_enabled) === 1,
  };
}

/** Which identity an account already holds, when a new one would collide. */
export type TakenIdentity = "username" | "email";

/** Inserts the account, or names the identity a unique index refused (a concurrent registration won). */
export async function insertUser(
  db: Kysely<Database>,
  account: UserAccount,
  now: string,
): Promise<TakenIdentity | null> {
  try {
    await db
      .insertInto("users")
      .values({
        id: account.id,
        username: account.username,
        username_key: usernameKey(account.username),
        email: account.email,
        email_key: emailKey(account.email),
        name: account.name,
        password_hash: account.passwordHash,
        role: account.role,
        disabled: account.disabled ? 1 : 0,
        email_verified: account.emailVerified ? 1 : 0,
        two_factor_enabled: account.twoFactorEnabled ? 1 : 0,
        created_at: account.createdAt,
        updated_at: now,
      })
      .execute();
    return null;
  } catch (error) {
    const column = uniqueViolationColumn(error, ["username_key", "email_key"]);
    if (column === null) throw error;
    return column === "email_key" ? "email" : "username";
  }
}

export async function findUserById(
  db: Kysely<Database>,
  id: string,
): Promise<UserAccount | undefined> {
  const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toAccount(row) : undefined;
}

/**
 * By username, or by email when the identifier has an "@" (usernames cannot).
 * The key must match to the byte: MySQL's default collations compare "érin",
 * "ERÏN" and "erin " equal to "erin", and a login must not find erin's
 * account by any of them.
 */
export async function findUserByLogin(
  db: Kysely<Database>,
  identifier: string,
): Promise<UserAccount | undefined> {
  const query = db.selectFrom("users").selectAll();
  if (identifier.includes("@")) {
    const key = emailKey(identifier);
    const row = await query.where("email_key", "=", key).executeTakeFirst();
    return row && row.email_key === key ? toAccount(row) : undefined;
  }
  const key = usernameKey(identifier);
  const row = await query.where("username_key", "=", key).executeTakeFirst();
  return row && row.username_key === key ? toAccount(row) : undefined;
}

/** The identity an existing account already holds, checked before spending a bcrypt hash. */
export async function findTakenIdentity(
  db: Kysely<Database>,
  identity: { username: string; email: string },
): Promise<TakenIdentity | null> {
  const row = await db
    .selectFrom("users")
    .select(["username_key"])
    .where((eb) =>
      eb.or([
        eb("username_key", "=", usernameKey(identity.username)),
        eb("email_key", "=", emailKey(identity.email)),
      ]),
    )
    .executeTakeFirst();
  if (!row) return null;
  return row.username_key === usernameKey(identity.username) ? "username" : "email";
}

export async function updatePasswordHash(
  db: Kysely<Database>,
  id: string,
  passwordHash: string,
  now: string,
): Promise<void> {
  await db
    .updateTable("users")
    .set({ password_hash: passwordHash, updated_at: now })
    .where("id", "=", id)
    .execute();
}

/**
 * Marks the address verified, only if it is still the account's address (a
 * link mailed to an old address proves nothing about a new one). True when
 * it was.
 */
export async function markEmailVerified(
  db: Kysely<Database>,
  id: string,
  email: string,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable("users")
    .set({ email_verified: 1, updated_at: now })
    .where("id", "=", id)
    .where("email_key", "=", emailKey(email))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Gives the account a new, verified address; false when another account holds it (the unique index decides races). */
export async function replaceEmail(
  db: Kysely<Database>,
  id: string,
  email: string,
  now: string,
): Promise<boolean> {
  try {
    await db
      .updateTable("users")
      .set({ email, email_key: emailKey(email), email_verified: 1, updated_at: now })
      .where("id", "=", id)
      .execute();
    return true;
  } catch (error) {
    if (uniqueViolationColumn(error, ["email_key"]) === null) throw error;
    return false;
  }
}

export async function updateName(
  db: Kysely<Database>,
  id: string,
  name: string,
  now: string,
): Promise<void> {
  await db.updateTable("users").set({ name, updated_at: now }).where("id", "=", id).execute();
}

/** Whether an account other than `exceptId` holds the address (case ignored, as at registration). */
export async function emailTaken(
  db: Kysely<Database>,
  email: string,
  exceptId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom("users")
    .select("id")
    .where("email_key", "=", emailKey(email))
    .where("id", "!=", exceptId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function countActiveAdmins(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number | string>().as("count"))
    .where("role", "=", "admin")
    .where("disabled", "=", 0)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Text for a LIKE pattern, its wildcards taken literally (a plain, escape-free filter; the match is checked in code). */
function likeLiteral(text: string): string {
  return text.replace(/[%_]/g, "_");
}

/**
 * The active admins' ids, their rows locked (in id order, so concurrent
 * callers cannot deadlock) until the transaction ends: what the last-admin
 * rule counts, held still while it decides.
 */
async function lockActiveAdmins(
  trx: Transaction<Database>,
  options: { lockRows: boolean },
): Promise<string[]> {
  let admins = trx
    .selectFrom("users")
    .select("id")
    .where("role", "=", "admin")
    .where("disabled", "=", 0)
    .orderBy("id");
  if (options.lockRows) admins = admins.forUpdate();
  return (await admins.execute()).map((row) => row.id);
}

/**
 * Deletes the account (its sessions, posts and one-time tokens go with it,
 * by foreign key) unless it is the last active admin, and strips the
 * addresses from its audit events: the events stay, the person does not.
 * Locks as updateKeepingAnAdmin does.
 */
export async function deleteKeepingAnAdmin(
  db: Kysely<Database>,
  options: { lockRows: boolean },
  id: string,
): Promise<"deleted" | "last_admin" | "not_found"> {
  return db.transaction().execute(async (trx) => {
    const activeAdmins = await lockActiveAdmins(trx, options);
    const row = await trx
      .selectFrom("users")
      .select(["id", "username_key", "email_key"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) return "not_found" as const;
    if (activeAdmins.includes(id) && activeAdmins.length <= 1) return "last_admin" as const;
    // Failed logins name what was typed, not the account: find those that typed its name or address.
    const typed = new Set([row.username_key, row.email_key]);
    const failedLogins = await trx
      .selectFrom("audit_events")
      .select(["id", "detail"])
      .where("kind", "in", ["login.failed", "login.locked"])
      .where("user_id", "is", null)
      .where((eb) =>
        eb.or([
          eb("detail", "like", `%${likeLiteral(row.username_key)}%`),
          eb("detail", "like", `%${likeLiteral(row.email_key)}%`),
        ]),
      )
      .execute();
    const theirs = failedLogins
      .filter((event) => {
        const identifier = (JSON.parse(event.detail) as { identifier?: unknown }).identifier;
        return typeof identifier === "string" && typed.has(identifier.toLowerCase());
      })
      .map((event) => event.id);
    if (theirs.length > 0)
      await trx
        .updateTable("audit_events")
        .set({ ip: null, detail: "{}" })
        .where("id", "in", theirs)
        .execute();
    await trx
      .updateTable("audit_events")
      .set({ ip: null, detail: "{}" })
      .where("user_id", "=", id)
      .execute();
    await trx.deleteFrom("users").where("id", "=", id).execute();
    return "deleted" as const;
  });
}

/**
 * Changes a user's role or disabled flag unless that would leave no active
 * admin: the count and the change are one atomic step. The active admins'
 * rows are locked first (in id order, so concurrent callers cannot deadlock),
 * so of two admins demoting each other at once, the second counts after the
 * first has committed. SQLite needs no lock: it runs one write transaction at
 * a time.
 */
export async function updateKeepingAnAdmin(
  db: Kysely<Database>,
  options: { lockRows: boolean },
  id: string,
  change: { role?: Role; disabled?: boolean },
  now: string,
): Promise<
  | { outcome: "updated"; previous: { role: Role; disabled: boolean } }
  | { outcome: "last_admin" | "not_found" }
> {
  return db.transaction().execute(async (trx) => {
    const activeAdmins = await lockActiveAdmins(trx, options);
    const row = await trx
      .selectFrom("users")
      .select(["role", "disabled"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) return { outcome: "not_found" as const };
    const staysActiveAdmin =
      (change.role ?? row.role) === "admin" && !(change.disabled ?? Number(row.disabled) === 1);
    if (activeAdmins.includes(id) && !staysActiveAdmin && activeAdmins.length <= 1) {
      return { outcome: "last_admin" as const };
    }
    await trx
      .updateTable("users")
      .set({
        ...(change.role !== undefined ? { role: change.role } : {}),
        ...(change.disabled !== undefined ? { disabled: change.disabled ? 1 : 0 } : {}),
        updated_at: now,
      })
      .where("id", "=", id)
      .execute();
    return {
      outcome: "updated" as const,
      previous: { role: row.role, disabled: Number(row.disabled) === 1 },
    };
  });
}

/** Up to `limit` users, oldest first, after the cursor position. */
export async function listUsers(
  db: Kysely<Database>,
  options: {
    limit: number;
    after?: CursorPosition | undefined;
    query?: string | undefined;
  },
): Promise<UserAccount[]> {
  let q = db.selectFrom("users").selectAll();
  if (options.query) {
    // "!" as the LIKE escape: backslash means different things in the three dialects' string literals.
    const pattern = `%${options.query.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
    q = q.where(
      sql<boolean>`(username_key like ${pattern} escape '!' or email_key like ${pattern} escape '!' or lower(name) like ${pattern} escape '!')`,
    );
  }
  if (options.after) q = q.where(keysetAfter("created_at", "asc", options.after));
  const rows = await q.orderBy("created_at").orderBy("id").limit(options.limit).execute();
  return rows.map(toAccount);
}

/** Users written after `since` (by updated_at), for instances that remember user rows. */
export async function findChangedSince(
  db: Kysely<Database>,
  since: string,
): Promise<{ id: string; updatedAt: string }[]> {
  const rows = await db
    .selectFrom("users")
    .select(["id", "updated_at"])
    .where("updated_at", ">", since)
    .execute();
  return rows.map((row) => ({ id: row.id, updatedAt: row.updated_at }));
}
