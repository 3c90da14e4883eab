import type { Kysely } from "kysely";

// Two-factor login (#16): TOTP secrets and recovery codes.
//
// `two_factor` holds at most one row per account, created by setup. It keeps
// the pending secret (from setup, not yet proven by a code) apart from the
// active one, so a second setup (a new phone) never disturbs working 2FA
// until `enable` proves the new secret. Both are encrypted (see
// two-factor/secret-encryption.ts), never stored in plaintext.
// `last_used_step` is the RFC 6238 time step of the last accepted code: a
// code is accepted only for a later step, set by one conditional UPDATE, so
// a replay, or two parallel uses of one code, pass at most once.
//
// `recovery_codes`: an account's single-use codes, each only as a SHA-256
// hash; using one deletes its row, and only the caller whose DELETE removed
// it wins.
//
// `development_keys`: keys a development server generates for itself, like
// its signing keys, when WARDEN_KEY_ENCRYPTION_KEY is not set. Never read in
// production.
//
// `users.two_factor_enabled` mirrors whether the account has an active
// secret, written in the same transaction as `two_factor`, so every read of
// a user (users.me, the login, the users-row cache) knows it without a join.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("users")
    .addColumn("two_factor_enabled", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("two_factor")
    .addColumn("user_id", "varchar(36)", (c) =>
      c.primaryKey().references("users.id").onDelete("cascade"),
    )
    .addColumn("secret", "varchar(255)")
    .addColumn("pending_secret", "varchar(255)")
    .addColumn("pending_created_at", "varchar(32)")
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("enabled_at", "varchar(32)")
    .addColumn("last_used_step", "integer")
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("recovery_codes")
    .addColumn("user_id", "varchar(36)", (c) =>
      c.notNull().references("users.id").onDelete("cascade"),
    )
    .addColumn("code_hash", "varchar(64)", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addPrimaryKeyConstraint("recovery_codes_pk", ["user_id", "code_hash"])
    .execute();

  await db.schema
    .createTable("development_keys")
    .addColumn("name", "varchar(64)", (c) => c.primaryKey())
    .addColumn("secret", "varchar(255)", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("development_keys").execute();
  await db.schema.dropTable("recovery_codes").execute();
  await db.schema.dropTable("two_factor").execute();
  await db.schema.alterTable("users").dropColumn("two_factor_enabled").execute();
}
