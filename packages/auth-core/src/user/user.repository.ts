import { type Kysely, sql } from "kysely";
import type { Database, NewUserRow, UserRow } from "../db/schema.js";
import type { Role } from "./user.js";

export function usernameKey(username: string): string {
  return username.toLowerCase();
}

export function emailKey(email: string): string {
  return email.toLowerCase();
}

export async function insertUser(db: Kysely<Database>, row: NewUserRow): Promise<void> {
  await db.insertInto("users").values(row).execute();
}

export async function findUserById(db: Kysely<Database>, id: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

/** By username, or by email when the identifier has an "@" (usernames cannot). */
export async function findUserByLogin(
  db: Kysely<Database>,
  identifier: string,
): Promise<UserRow | undefined> {
  const query = db.selectFrom("users").selectAll();
  return identifier.includes("@")
    ? query.where("email_key", "=", emailKey(identifier)).executeTakeFirst()
    : query.where("username_key", "=", usernameKey(identifier)).executeTakeFirst();
}

export async function findTakenIdentity(
  db: Kysely<Database>,
  identity: { username: string; email: string },
): Promise<{ username_key: string; email_key: string } | undefined> {
  return db
    .selectFrom("users")
    .select(["username_key", "email_key"])
    .where((eb) =>
      eb.or([
        eb("username_key", "=", usernameKey(identity.username)),
        eb("email_key", "=", emailKey(identity.email)),
      ]),
    )
    .executeTakeFirst();
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

export async function updateRole(
  db: Kysely<Database>,
  id: string,
  role: Role,
  now: string,
): Promise<void> {
  await db.updateTable("users").set({ role, updated_at: now }).where("id", "=", id).execute();
}

export async function updateDisabled(
  db: Kysely<Database>,
  id: string,
  disabled: boolean,
  now: string,
): Promise<void> {
  await db
    .updateTable("users")
    .set({ disabled: disabled ? 1 : 0, updated_at: now })
    .where("id", "=", id)
    .execute();
}

export async function countActiveAdmins(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll().as("count"))
    .where("role", "=", "admin")
    .where("disabled", "=", 0)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** A page of users, oldest first, after the (created_at, id) cursor. */
export async function listUsers(
  db: Kysely<Database>,
  options: {
    limit: number;
    after?: { createdAt: string; id: string } | undefined;
    query?: string | undefined;
  },
): Promise<UserRow[]> {
  let q = db.selectFrom("users").selectAll();
  if (options.query) {
    // "!" as the LIKE escape: backslash means different things in the three dialects' string literals.
    const pattern = `%${options.query.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
    q = q.where(
      sql<boolean>`(username_key like ${pattern} escape '!' or email_key like ${pattern} escape '!' or lower(name) like ${pattern} escape '!')`,
    );
  }
  if (options.after) {
    const { createdAt, id } = options.after;
    q = q.where((eb) =>
      eb.or([
        eb("created_at", ">", createdAt),
        eb.and([eb("created_at", "=", createdAt), eb("id", ">", id)]),
      ]),
    );
  }
  return q.orderBy("created_at").orderBy("id").limit(options.limit).execute();
}
