import type { SessionRow } from "../db/schema.js";

export interface Session {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  ip: string | null;
  /** True for the session the caller's own token belongs to. */
  current: boolean;
}

export type RevocationReason =
  | "logout"
  | "revoked"
  | "refresh_reuse"
  | "password_change"
  | "disabled";

export function toSession(row: SessionRow, currentSessionId?: string): Session {
  return {
    id: row.id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    userAgent: row.user_agent,
    ip: row.ip,
    current: row.id === currentSessionId,
  };
}
