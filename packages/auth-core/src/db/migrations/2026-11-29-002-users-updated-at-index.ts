import type { Kysely } from "kysely";

// Every instance asks each second which users were written since it last
// looked (updated_at > ?), to drop them from its cache of user rows.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("users_updated_at_idx").on("users").column("updated_at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("users_updated_at_idx").on("users").execute();
}
