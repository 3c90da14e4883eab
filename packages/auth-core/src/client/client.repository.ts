import type { Kysely } from "kysely";
import type { ClientRow, Database } from "../db/schema.js";

export async function insertClient(db: Kysely<Database>, row: ClientRow): Promise<void> {
  await db.insertInto("clients").values(row).execute();
}

/** The id must match to the byte, whatever the database's collation folds together. */
export async function findActiveClient(
  db: Kysely<Database>,
  clientId: string,
): Promise<ClientRow | undefined> {
  const row = await db
    .selectFrom("clients")
    .selectAll()
    .where("client_id", "=", clientId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return row && row.client_id === clientId ? row : undefined;
}

export async function listActiveClients(db: Kysely<Database>): Promise<ClientRow[]> {
  return db
    .selectFrom("clients")
    .selectAll()
    .where("revoked_at", "is", null)
    .orderBy("created_at")
    .orderBy("client_id")
    .execute();
}

/** Returns false when there was no such active client. */
export async function revokeClient(
  db: Kysely<Database>,
  clientId: string,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable("clients")
    .set({ revoked_at: now })
    .where("client_id", "=", clientId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
