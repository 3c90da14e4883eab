import type { SessionService } from "@warden/auth-core";
import type { Logger } from "pino";

const CHANNEL = "warden:sessions:revoked";

/**
 * Which sessions have ended, known without a database read per request.
 *
 * Every process keeps the ids of sessions revoked within the last access-token
 * lifetime in memory (older ones cannot have live tokens). It learns of its
 * own revocations directly and of other instances' through Redis
 * publish/subscribe. While Redis is configured but unreachable, it cannot know
 * what the others did, so it asks the database for every request instead:
 * slower, never wrong. On reconnection it reloads what it may have missed.
 */
export interface SessionRevocations {
  isRevoked(sessionId: string): boolean | Promise<boolean>;
  /** Records sessions this process ended, and tells the other instances; never rejects. */
  revoked(sessionIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface SessionRevocationOptions {
  readonly sessions: SessionService;
  /** How long an entry is kept: the access-token lifetime, plus a minute for clock skew. */
  readonly retentionSeconds: number;
  readonly redisUrl?: string | undefined;
  readonly logger: Logger;
}

export async function createSessionRevocations(
  options: SessionRevocationOptions,
): Promise<SessionRevocations> {
  const { sessions, logger } = options;
  const retentionMs = (options.retentionSeconds + 60) * 1000;
  const revokedAt = new Map<string, number>();

  const remember = (ids: readonly string[], at = Date.now()) => {
    for (const id of ids) revokedAt.set(id, at);
  };
  const loadSince = async (since: number) => {
    for (const { id, revokedAt: at } of await sessions.revokedSince(new Date(since)))
      remember([id], Date.parse(at));
  };
  await loadSince(Date.now() - retentionMs);

  const prune = setInterval(() => {
    const cutoff = Date.now() - retentionMs;
    for (const [id, at] of revokedAt) if (at < cutoff) revokedAt.delete(id);
  }, 60_000);
  prune.unref();

  if (!options.redisUrl) {
    return {
      isRevoked: (id) => revokedAt.has(id),
      revoked: async (ids) => remember(ids),
      async close() {
        clearInterval(prune);
      },
    };
  }

  const redisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  } as const;
  // Loaded only when Redis is configured.
  const { Redis } = await import("ioredis");
  const publisher = new Redis(options.redisUrl, redisOptions);
  const subscriber = new Redis(options.redisUrl, { ...redisOptions, enableOfflineQueue: true });
  let subscribed = false;
  let lostAt = Date.now();
  for (const client of [publisher, subscriber])
    client.on("error", (error) => logger.debug({ err: error }, "redis error"));

  subscriber.on("message", (_channel, message: string) =>
    remember(message.split(",").filter(Boolean)),
  );
  subscriber.on("ready", () => {
    subscriber
      .subscribe(CHANNEL)
      .then(() => loadSince(lostAt - 5_000))
      .then(() => {
        subscribed = true;
        logger.info("revocations: following other instances through redis");
      })
      .catch((error: unknown) => logger.warn({ err: error }, "revocations: subscribe failed"));
  });
  subscriber.on("close", () => {
    if (subscribed)
      logger.warn("revocations: redis lost; checking sessions in the database until it returns");
    if (subscribed) lostAt = Date.now();
    subscribed = false;
  });
  await Promise.allSettled([publisher.connect(), subscriber.connect()]);

  return {
    async isRevoked(id) {
      if (revokedAt.has(id)) return true;
      return subscribed ? false : !(await sessions.isLive(id));
    },
    async revoked(ids) {
      remember(ids);
      await publisher.publish(CHANNEL, ids.join(",")).catch((error: unknown) => {
        logger.warn(
          { err: error },
          "revocations: could not tell other instances; they fall back to the database",
        );
      });
    },
    async close() {
      clearInterval(prune);
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
