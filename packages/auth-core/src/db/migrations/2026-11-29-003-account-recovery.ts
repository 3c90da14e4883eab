import type { Kysely } from "kysely";

// Account recovery (#15): whether an account's email address is proven, and
// the one-time tokens mailed in links (email verification, password reset,
// email change), stored only as SHA-256 hashes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("users")
    .addColumn("email_verified", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("one_time_tokens")
    .addColumn("token_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("purpose", "varchar(32)", (c) => c.notNull())
    .addColumn("user_id", "varchar(36)", (c) =>
      c.notNull().references("users.id").onDelete("cascade"),
    )
    // The address an email change goes to; null for the other purposes.
    .addColumn("email", "varchar(254)")
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("expires_at", "varchar(32)", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("one_time_tokens_user_purpose_idx")
    .on("one_time_tokens")
    .columns(["user_id", "purpose"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("one_time_tokens").execute();
  await db.schema.alterTable("users").dropColumn("email_verified").execute();
}
