import type { ColumnType, Insertable, Selectable } from "kysely";

/*
 * Timestamps are stored as ISO 8601 UTC strings of fixed width
 * ("2026-11-24T09:00:00.000Z"): they compare and sort correctly as text and
 * read back the same on SQLite, PostgreSQL and MySQL, which share no date type
 * with the same semantics. Flags are 0/1 integers for the same reason.
 */
type Timestamp = string;
type Flag = ColumnType<number, number | undefined, number>;

export interface UserTable {
  id: string;
  username: string;
  /** username lower-cased: the unique index that makes usernames unique ignoring case. */
  username_key: string;
  email: string;
  email_key: string;
  name: string;
  password_hash: string;
  role: "user" | "admin";
  disabled: Flag;
  /** 1 once the owner opened a link mailed to `email`. */
  email_verified: Flag;
  /** 1 while the account has an active TOTP secret (kept with two_factor, in one transaction). */
  two_factor_enabled: Flag;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SessionTable {
  id: string;
  user_id: string;
  created_at: Timestamp;
  last_used_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
  user_agent: string | null;
  ip: string | null;
}

/** Every refresh token a session was given; only the one with rotated_at null is live. */
export interface RefreshTokenTable {
  /** SHA-256 of the token, hex: the token itself is never stored. */
  token_hash: string;
  session_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  rotated_at: Timestamp | null;
}

export interface SigningKeyTable {
  kid: string;
  algorithm: string;
  public_jwk: string;
  private_jwk: string;
  created_at: Timestamp;
  /** When it stopped signing new tokens. */
  retired_at: Timestamp | null;
  /** When its last token expires: past this it leaves the JWKS. */
  expires_at: Timestamp | null;
}

export interface ClientTable {
  client_id: string;
  secret_hash: string;
  name: string;
  /** Space-separated, as in OAuth's `scope`. */
  scopes: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface PostTable {
  id: string;
  owner_id: string;
  title: string;
  content: string;
  published: Flag;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AuditEventTable {
  id: string;
  at: Timestamp;
  kind: string;
  user_id: string | null;
  client_id: string | null;
  ip: string | null;
  /** JSON object; never a secret, token or hash. */
  detail: string;
}

/** A token mailed in a link; used at most once, then deleted. */
export interface OneTimeTokenTable {
  /** SHA-256 of the token, hex: the token itself is never stored. */
  token_hash: string;
  purpose: string;
  user_id: string;
  /** The new address, for an email change. */
  email: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/**
 * An account's TOTP two-factor state; at most one row per account (see
 * migrations/2026-11-29-004-two-factor.ts). Absent: never set up, or disabled.
 */
export interface TwoFactorTable {
  user_id: string;
  /** The active secret, encrypted (two-factor/secret-encryption.ts); null until enabled. */
  secret: string | null;
  /** A secret from setup not yet proven by a code, encrypted; kept apart from the active one. */
  pending_secret: string | null;
  pending_created_at: Timestamp | null;
  /** 1 once a code proved a secret: logins then ask for the second factor. */
  enabled: Flag;
  enabled_at: Timestamp | null;
  /** RFC 6238 time step of the last accepted code: only later steps are accepted. */
  last_used_step: number | null;
  updated_at: Timestamp;
}

/** A single-use recovery code; used means deleted. */
export interface RecoveryCodeTable {
  user_id: string;
  /** SHA-256 (hex) of the account id and the normalised code: the code itself is never stored. */
  code_hash: string;
  created_at: Timestamp;
}

/** Keys a development server generates for itself (never used in production). */
export interface DevelopmentKeyTable {
  name: string;
  secret: string;
  created_at: Timestamp;
}

export interface Database {
  users: UserTable;
  sessions: SessionTable;
  refresh_tokens: RefreshTokenTable;
  signing_keys: SigningKeyTable;
  clients: ClientTable;
  posts: PostTable;
  audit_events: AuditEventTable;
  one_time_tokens: OneTimeTokenTable;
  two_factor: TwoFactorTable;
  recovery_codes: RecoveryCodeTable;
  development_keys: DevelopmentKeyTable;
}

export type UserRow = Selectable<UserTable>;
export type NewUserRow = Insertable<UserTable>;
export type SessionRow = Selectable<SessionTable>;
export type SigningKeyRow = Selectable<SigningKeyTable>;
export type ClientRow = Selectable<ClientTable>;
export type PostRow = Selectable<PostTable>;
export type AuditEventRow = Selectable<AuditEventTable>;
export type TwoFactorRow = Selectable<TwoFactorTable>;
