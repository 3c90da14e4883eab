import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { AuditEventRow, Database } from "../db/schema.js";
import { newId } from "../ids.js";
import { decodeCursor, type Page, toPage } from "../pagination.js";

export const AUDIT_KINDS = [
  "user.registered",
  "login.succeeded",
  "login.failed",
  "login.locked",
  "refresh.reused",
  "logout",
  "session.revoked",
  "password.changed",
  "user.role_changed",
  "user.disabled",
  "user.enabled",
  "client.created",
  "client.revoked",
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export interface AuditEvent {
  id: string;
  at: string;
  kind: AuditKind;
  userId?: string;
  clientId?: string;
  ip?: string;
  /** Facts about the event; never a secret, token or hash. */
  detail: Record<string, string | number | boolean | null>;
}

export type NewAuditEvent = Omit<AuditEvent, "id" | "at">;

export interface AuditLog {
  record(event: NewAuditEvent): Promise<void>;
  list(options: {
    limit: number;
    cursor?: string | null | undefined;
    userId?: string | undefined;
    kind?: AuditKind | undefined;
  }): Promise<Page<AuditEvent>>;
}

export function createAuditLog(options: { db: Kysely<Database>; clock: Clock }): AuditLog {
  const { db, clock } = options;
  return {
    async record(event) {
      await db
        .insertInto("audit_events")
        .values({
          id: newId(),
          at: clock.nowIso(),
          kind: event.kind,
          user_id: event.userId ?? null,
          client_id: event.clientId ?? null,
          ip: event.ip ?? null,
          detail: JSON.stringify(event.detail),
        })
        .execute();
    },

    async list({ limit, cursor, userId, kind }) {
      let q = db.selectFrom("audit_events").selectAll();
      if (userId !== undefined) q = q.where("user_id", "=", userId);
      if (kind !== undefined) q = q.where("kind", "=", kind);
      const before = decodeCursor(cursor);
      if (before) {
        q = q.where((eb) =>
          eb.or([
            eb("at", "<", before.createdAt),
            eb.and([eb("at", "=", before.createdAt), eb("id", "<", before.id)]),
          ]),
        );
      }
      const rows = await q
        .orderBy("at", "desc")
        .orderBy("id", "desc")
        .limit(limit + 1)
        .execute();
      return toPage(rows, limit, toAuditEvent, (row) => row.at);
    },
  };
}

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
