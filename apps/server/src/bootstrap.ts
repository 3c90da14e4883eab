import {
  type Clock,
  createAccountLinks,
  createDatabase,
  createUseCases,
  createWarden,
  type KeyRingNotice,
  migrateToLatest,
  type WardenConfig,
} from "@warden/auth-core";
import type { Logger } from "pino";
import { createLiveSessions, type LiveSessions } from "./cache/live-sessions.js";
import { createPostPages, type PostPages } from "./cache/post-pages.js";
import { createUserRows, type UserRows } from "./cache/user-rows.js";
import type { ServerDeps } from "./context.js";
import { createMailer } from "./mail/mailer.js";
import { createThrottle } from "./security/throttle.js";
import { version } from "./version.js";

export interface Running {
  readonly deps: ServerDeps;
  /** Stops the background jobs, waits for mails in flight, and closes SMTP, Redis and the database. */
  close(): Promise<void>;
}

/** Connects, migrates, and wires everything the server needs from a config. */
export async function bootstrap(
  config: WardenConfig,
  logger: Logger,
  /** The time Warden reads (tests move it instead of sleeping); the system's by default. */
  clock?: Clock,
): Promise<Running> {
  const database = createDatabase(config.databaseUrl);
  await migrateToLatest(database.db);

  // The live-session set needs the session service, which needs to tell it
  // about the sessions it ends: the late binding breaks that circle.
  let liveSessions: LiveSessions | undefined;
  let userRows: UserRows | undefined;
  let postPages: PostPages | undefined;
  const warden = await createWarden({
    config,
    database,
    ...(clock ? { clock } : {}),
    onSessionsRevoked: (ids) => liveSessions?.ended(ids),
    // A deleted user's posts go with them: every user change drops the remembered post pages too.
    onUsersChanged: async (ids) => {
      await Promise.all([userRows?.changed(ids), postPages?.changed()]);
    },
    onPostsChanged: () => postPages?.changed(),
  });
  logKeyRingNotices(logger, warden.keyRing.notices);
  liveSessions = await createLiveSessions({
    sessions: warden.sessions,
    retentionSeconds: config.accessTokenTtlSeconds,
    redisUrl: config.redisUrl,
    logger,
  });
  userRows = await createUserRows({ users: warden.users, redisUrl: config.redisUrl, logger });
  postPages = await createPostPages({ posts: warden.posts, redisUrl: config.redisUrl, logger });
  // Errors are the insurance limiter's business (memory while Redis is down); they are not logged per request.
  const throttleRedis = config.redisUrl
    ? new (await import("ioredis")).Redis(config.redisUrl, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
      }).on("error", () => {})
    : undefined;
  const throttle = createThrottle({
    redis: throttleRedis,
    registrations: config.registerRateLimit,
  });

  // Running servers pick up `warden-server keys rotate` within a minute.
  const keyReload = setInterval(() => {
    warden.keyRing
      .reload()
      .then((notices) => logKeyRingNotices(logger, notices))
      .catch((error: unknown) => logger.warn({ err: error }, "signing keys: reload failed"));
  }, 60_000);
  // Ended sessions are deleted once no token of theirs can be alive.
  const cleanup = setInterval(() => {
    const before = new Date(Date.now() - (config.accessTokenTtlSeconds + 3600) * 1000);
    warden.sessions
      .deleteEnded(before)
      .catch((error: unknown) => logger.warn({ err: error }, "session cleanup failed"));
  }, 3600_000);
  keyReload.unref();
  cleanup.unref();

  const mailer = createMailer({ mail: config.mail, production: config.production, logger });
  const links = createAccountLinks(config.links);
  const useCases = createUseCases({
    ...warden,
    throttle,
    liveSessions,
    mailer,
    links,
    accountRules: config.accountRules,
  });
  const deps: ServerDeps = {
    warden,
    useCases,
    liveSessions,
    userRows,
    postPages,
    mailer,
    logger,
    version,
  };
  return {
    deps,
    async close() {
      clearInterval(keyReload);
      clearInterval(cleanup);
      // Mails still being composed may read the database: they finish first.
      await mailer.close();
      await liveSessions?.close();
      await userRows?.close();
      await postPages?.close();
      throttleRedis?.disconnect();
      await database.destroy();
    },
  };
}

/** What loading the signing keys found worth saying (keys ignored, encrypted, generated), said once. */
function logKeyRingNotices(logger: Logger, notices: readonly KeyRingNotice[]): void {
  for (const notice of notices) {
    logger[notice.level]({ kid: notice.kid, reason: notice.reason }, notice.message);
  }
}
