import type { Kysely } from "kysely";

// Every instance asks each second which sessions ended since it last looked
// (revoked_at > ?): an index keeps that one cheap read however many sessions
// there are.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex("sessions_revoked_at_idx")
    .on("sessions")
    .column("revoked_at")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("sessions_revoked_at_idx").on("sessions").execute();
}
