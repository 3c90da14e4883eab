import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import { newId } from "../ids.js";
import { decodeCursor, type Page, toPage } from "../pagination.js";
import * as auditEvents from "./audit.repository.js";

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
  "client.auth_failed",
  "email.verification_sent",
  "email.verified",
  "email.change_requested",
  "email.changed",
  "password.reset_requested",
  "password.reset",
  "profile.updated",
  "account.deleted",
  "login.mfa_required",
  "two_factor.enabled",
  "two_factor.disabled",
  "two_factor.recovery_codes_regenerated",
  "two_factor.recovery_code_used",
  "two_factor.reset",
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
      await auditEvents.insertAuditEvent(db, { id: newId(), at: clock.nowIso(), ...event });
    },

    async list({ limit, cursor, userId, kind }) {
      const events = await auditEvents.listAuditEvents(db, {
        limit: limit + 1,
        after: decodeCursor(cursor),
        userId,
        kind,
      });
      return toPage(events, limit, (event) => event.at);
    },
  };
}
