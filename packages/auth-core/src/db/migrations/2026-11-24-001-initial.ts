import type { Kysely } from "kysely";

// Written with Kysely's schema builder only, so the same statements run on
// SQLite, PostgreSQL and MySQL. Text that is indexed uses varchar with a bound
// (MySQL cannot index unbounded text).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "varchar(36)", (c) => c.primaryKey())
    .addColumn("username", "varchar(32)", (c) => c.notNull())
    .addColumn("username_key", "varchar(32)", (c) => c.notNull().unique())
    .addColumn("email", "varchar(254)", (c) => c.notNull())
    .addColumn("email_key", "varchar(254)", (c) => c.notNull().unique())
    .addColumn("name", "varchar(100)", (c) => c.notNull())
    .addColumn("password_hash", "varchar(255)", (c) => c.notNull())
    .addColumn("role", "varchar(16)", (c) => c.notNull().defaultTo("user"))
    .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("users_created_at_idx")
    .on("users")
    .columns(["created_at", "id"])
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", "varchar(36)", (c) => c.primaryKey())
    .addColumn("user_id", "varchar(36)", (c) =>
      c.notNull().references("users.id").onDelete("cascade"),
    )
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("last_used_at", "varchar(32)", (c) => c.notNull())
    .addColumn("expires_at", "varchar(32)", (c) => c.notNull())
    .addColumn("revoked_at", "varchar(32)")
    .addColumn("revoked_reason", "varchar(32)")
    .addColumn("user_agent", "varchar(512)")
    .addColumn("ip", "varchar(64)")
    .execute();
  await db.schema.createIndex("sessions_user_id_idx").on("sessions").column("user_id").execute();
  await db.schema
    .createIndex("sessions_expires_at_idx")
    .on("sessions")
    .column("expires_at")
    .execute();

  await db.schema
    .createTable("refresh_tokens")
    .addColumn("token_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("session_id", "varchar(36)", (c) =>
      c.notNull().references("sessions.id").onDelete("cascade"),
    )
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("expires_at", "varchar(32)", (c) => c.notNull())
    .addColumn("rotated_at", "varchar(32)")
    .execute();
  await db.schema
    .createIndex("refresh_tokens_session_id_idx")
    .on("refresh_tokens")
    .column("session_id")
    .execute();

  await db.schema
    .createTable("signing_keys")
    .addColumn("kid", "varchar(64)", (c) => c.primaryKey())
    .addColumn("algorithm", "varchar(16)", (c) => c.notNull())
    .addColumn("public_jwk", "text", (c) => c.notNull())
    .addColumn("private_jwk", "text", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("retired_at", "varchar(32)")
    .addColumn("expires_at", "varchar(32)")
    .execute();

  await db.schema
    .createTable("clients")
    .addColumn("client_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("secret_hash", "varchar(255)", (c) => c.notNull())
    .addColumn("name", "varchar(100)", (c) => c.notNull())
    .addColumn("scopes", "varchar(1000)", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("revoked_at", "varchar(32)")
    .execute();

  await db.schema
    .createTable("posts")
    .addColumn("id", "varchar(36)", (c) => c.primaryKey())
    .addColumn("owner_id", "varchar(36)", (c) =>
      c.notNull().references("users.id").onDelete("cascade"),
    )
    .addColumn("title", "varchar(200)", (c) => c.notNull())
    .addColumn("content", "text", (c) => c.notNull())
    .addColumn("published", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("posts_created_at_idx")
    .on("posts")
    .columns(["created_at", "id"])
    .execute();
  await db.schema.createIndex("posts_owner_id_idx").on("posts").column("owner_id").execute();

  await db.schema
    .createTable("audit_events")
    .addColumn("id", "varchar(36)", (c) => c.primaryKey())
    .addColumn("at", "varchar(32)", (c) => c.notNull())
    .addColumn("kind", "varchar(64)", (c) => c.notNull())
    .addColumn("user_id", "varchar(36)")
    .addColumn("client_id", "varchar(64)")
    .addColumn("ip", "varchar(64)")
    .addColumn("detail", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("audit_events_at_idx")
    .on("audit_events")
    .columns(["at", "id"])
    .execute();
  await db.schema
    .createIndex("audit_events_user_id_idx")
    .on("audit_events")
    .columns(["user_id", "at"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    "audit_events",
    "posts",
    "clients",
    "signing_keys",
    "refresh_tokens",
    "sessions",
    "users",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
