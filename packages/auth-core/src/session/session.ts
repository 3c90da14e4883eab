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
  | "disabled"
  | "role_changed"
  | "password_reset"
  | "account_deleted"
  | "two_factor_reset"
  | "two_factor_enabled";
