export {
  AUDIT_KINDS,
  type AuditEvent,
  type AuditKind,
  type AuditLog,
  type NewAuditEvent,
} from "./audit/audit.js";
export { type Client, SCOPES, type Scope } from "./client/client.js";
export type { ClientService, CreatedClient } from "./client/client.service.js";
export { type Clock, systemClock } from "./clock.js";
export {
  parseConfig,
  parseDuration,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type WardenConfig,
  weakSecretReason,
} from "./config.js";
export {
  createDatabase,
  type DatabaseOptions,
  type DialectName,
  dialectOf,
  type WardenDatabase,
} from "./db/database.js";
export { type MigrationOutcome, migrateToLatest } from "./db/migrate.js";
export type { Database } from "./db/schema.js";
export { DatabaseUrlError, type ReadDatabaseUrl, readDatabaseUrl } from "./db/sqlalchemy-url.js";
export {
  AUTH_ERROR_CODES,
  AuthError,
  type AuthErrorCode,
  ConfigError,
  type FieldIssue,
  invalidInput,
} from "./errors.js";
export {
  detectLegacyColumns,
  importLegacyUsers,
  type LegacyColumns,
  type LegacyDatabase,
  LegacyImportError,
  type LegacyImportOptions,
  type LegacyImportReport,
  openLegacyDatabase,
} from "./import/legacy-users.js";
export { unstorableTextIssues, unstorableTextReason } from "./input/unstorable-text.js";
export {
  type AccountLinks,
  createAccountLinks,
  type Mailer,
  type OutgoingMail,
} from "./mail/mailer.js";
export type {
  OneTimeTokenPurpose,
  OneTimeTokenService,
} from "./one-time-token/one-time-token.service.js";
export type { Page } from "./pagination.js";
export { createPasswordHasher, type PasswordHasher } from "./password/password-hasher.js";
export {
  createPasswordPolicy,
  loadCommonPasswords,
  PASSWORD_MAX_LENGTH,
  type PasswordPolicy,
} from "./password/password-policy.js";
export type { Post } from "./post/post.js";
export type { PostService } from "./post/post.service.js";
export type { LiveSessions } from "./session/live-sessions.js";
export type { RevocationReason, Session } from "./session/session.js";
export type {
  IssuedRefreshToken,
  RefreshRotation,
  SessionService,
} from "./session/session.service.js";
export type { AttemptReservation, Throttle } from "./throttle/throttle.js";
export {
  type AccessTokenService,
  type AccessTokenSubject,
  type ServiceTokenClaims,
  type SignedAccessToken,
  USER_TOKEN_CLIENT_ID,
  type UserTokenClaims,
} from "./token/access-token.js";
export { KeyRing, type KeyRingNotice, type KeyRingNoticeReason } from "./token/key-ring.js";
export { generateSigningKey, type SigningKey, signingKeyFromConfig } from "./token/signing-key.js";
export type { TokenPair } from "./token/token-pair.js";
export type {
  TwoFactorService,
  TwoFactorSetup,
} from "./two-factor/two-factor.service.js";
export {
  type AdminActor,
  type AuthenticatedUser,
  createUseCases,
  type LoggedIn,
  MFA_TOKEN_TTL_SECONDS,
  type MfaChallenge,
  type PasswordLogin,
  type RequestFacts,
  type SecondFactorInput,
  type UseCaseDeps,
  type UseCases,
} from "./use-cases/index.js";
export { type PublicUser, ROLES, type Role, toPublicUser, type User } from "./user/user.js";
export type { LoginCandidate, UserService } from "./user/user.service.js";
export {
  credentialsSchema,
  displayNameSchema,
  emailSchema,
  passwordSchema,
  registrationSchema,
  usernameSchema,
} from "./user/user-input.js";
export { createWarden, type Warden, type WardenOptions } from "./warden.js";
