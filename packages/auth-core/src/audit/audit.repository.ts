import type { Kysely } from "kysely";
import type { AuditEventRow, Database } from "../db/schema.js";
import { type CursorPosition, keysetAfter } from "../pagination.js";
import type { AuditEvent, AuditKind } from "./audit.js";

function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    kind: row.kind as AuditKind,
    ...(row.user_id ? { userId: row.user_id } : {}),
    ...(row.client_id ? { clientId: row.client_id } : {}),
    ...(row.ip ? { ip: row.ip } : {}),
    detail: JSON.parse(row.detail) as AuditEvent["detail"],
  };
}

export async function insertAuditEvent(db: Kysely<Database>, event: AuditEvent): Promise<void> {
  await db
    .insertInto("audit_events")
    .values({
      id: event.id,
      at: event.at,
      kind: event.kind,
      user_id: event.userId ?? null,
      client_id: event.clientId ?? null,
      ip: event.ip ?? null,
      detail: JSON.stringify(event.detail),
    })
    .execute();
}

/** Up to `limit` events, newest first, after the cursor position. */
export async function listAuditEvents(
  db: Kysely<Database>,
  options: {
    limit: number;
    after?: CursorPosition | undefined;
    userId?: string | undefined;
    kind?: AuditKind | undefined;
  },
): Promise<AuditEvent[]> {
  let q = db.selectFrom("audit_events").selectAll();
  if (options.userId !== undefined) q = q.where("user_id", "=", options.userId);
  if (options.kind !== undefined) q = q.where("kind", "=", options.kind);
  if (options.after) q = q.where(keysetAfter("at", "desc", options.after));
  const rows = await q.orderBy("at", "desc").orderBy("id", "desc").limit(options.limit).execute();
  return rows.map(toAuditEvent);
}
