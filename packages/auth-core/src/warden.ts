import { type AuditLog, createAuditLog } from "./audit/audit.js";
import { type ClientService, createClientService } from "./client/client.service.js";
import { type Clock, systemClock } from "./clock.js";
import type { WardenConfig } from "./config.js";
import type { WardenDatabase } from "./db/database.js";
import {
  createOneTimeTokenService,
  type OneTimeTokenService,
} from "./one-time-token/one-time-token.service.js";
import { createPasswordHasher, type PasswordHasher } from "./password/password-hasher.js";
import {
  createPasswordPolicy,
  loadCommonPasswords,
  type PasswordPolicy,
} from "./password/password-policy.js";
import { createPostService, type PostService } from "./post/post.service.js";
import { createSessionService, type SessionService } from "./session/session.service.js";
import { type AccessTokenService, createAccessTokenService } from "./token/access-token.js";
import { KeyEncryption } from "./token/key-encryption.js";
import { KeyRing } from "./token/key-ring.js";
import { signingKeyFromConfig } from "./token/signing-key.js";
import { createSecretEncryption } from "./two-factor/secret-encryption.js";
import { createTwoFactorService, type TwoFactorService } from "./two-factor/two-factor.service.js";
import { createUserService, type UserService } from "./user/user.service.js";

export interface WardenOptions {
  readonly config: WardenConfig;
  readonly database: WardenDatabase;
  readonly clock?: Clock;
  /** The common-password list, when the caller already holds one; loaded from the shipped file otherwise. */
  readonly commonPasswords?: ReadonlySet<string>;
  /** Told of every user this process writes (role, disabled, password, two-factor). */
  readonly onUsersChanged?: (userIds: readonly string[]) => void | Promise<void>;
  /** Told after every write to a post. */
  readonly onPostsChanged?: () => void | Promise<void>;
  /** Told of every session ended by this process (logout, revocation, reuse, disabling). */
  readonly onSessionsRevoked?: (sessionIds: readonly string[]) => void | Promise<void>;
}

/** Everything auth-core does, wired once from a config and a database. */
export interface Warden {
  readonly config: WardenConfig;
  readonly database: WardenDatabase;
  readonly clock: Clock;
  readonly hasher: PasswordHasher;
  readonly passwordPolicy: PasswordPolicy;
  readonly keyRing: KeyRing;
  readonly tokens: AccessTokenService;
  readonly users: UserService;
  readonly sessions: SessionService;
  readonly posts: PostService;
  readonly audit: AuditLog;
  readonly clients: ClientService;
  readonly oneTimeTokens: OneTimeTokenService;
  readonly twoFactor: TwoFactorService;
}

/**
 * @example
 * const config = parseConfig(process.env);
 * const warden = await createWarden({ config, database: createDatabase(config.databaseUrl) });
 */
export async function createWarden(options: WardenOptions): Promise<Warden> {
  const { config, database } = options;
  const clock = options.clock ?? systemClock;
  const db = database.db;
  const hasher = createPasswordHasher({ cost: config.bcryptCost });
  const keyRing = await KeyRing.load({
    db,
    algorithm: config.jwt.algorithm,
    configuredKey: await signingKeyFromConfig(config.jwt.algorithm, config.jwt),
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    clock,
    encryption: config.jwt.keyEncryptionKey ? new KeyEncryption(config.jwt.keyEncryptionKey) : null,
    production: config.production,
  });
  const tokens = createAccessTokenService({
    keyRing,
    issuer: config.issuer,
    audience: config.audience,
    ttlSeconds: config.accessTokenTtlSeconds,
    clock,
  });
  const passwordPolicy = createPasswordPolicy({
    minLength: config.passwordMinLength,
    commonPasswords: options.commonPasswords ?? loadCommonPasswords(),
  });
  const users = createUserService({
    db,
    dialect: database.dialect,
    hasher,
    policy: passwordPolicy,
    clock,
    ...(options.onUsersChanged ? { onChanged: options.onUsersChanged } : {}),
  });
  const sessions = createSessionService({
    db,
    clock,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    sessionMaxAgeSeconds: config.sessionMaxAgeSeconds,
    onRevoked: options.onSessionsRevoked ?? (() => {}),
  });
  return {
    config,
    database,
    clock,
    hasher,
    passwordPolicy,
    keyRing,
    tokens,
    users,
    sessions,
    posts: createPostService({ db, clock, onChanged: options.onPostsChanged }),
    audit: createAuditLog({ db, clock }),
    clients: createClientService({ db, clock }),
    oneTimeTokens: createOneTimeTokenService({
      db,
      clock,
      lockRows: database.dialect !== "sqlite",
    }),
    twoFactor: createTwoFactorService({
      db,
      clock,
      encryption: createSecretEncryption({
        db,
        clock,
        keyEncryptionKey: config.jwt.keyEncryptionKey,
        production: config.production,
      }),
      lockRows: database.dialect !== "sqlite",
      onUsersChanged: options.onUsersChanged,
    }),
  };
}
