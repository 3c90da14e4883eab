import type { LiveSessions as LiveSessionsPort, SessionService } from "@warden/auth-core";
import type { Logger } from "pino";

const CHANNEL = "warden:sessions:revoked";

/**
 * Which sessions are live, known without a database read per request.
 *
 * A user token is accepted only while its session is live and belongs to
 * its subject (an allowlist: a validly signed token naming a session that
 * never existed, or someone else's, is refused). Each process remembers
 * what it learned: a live session until the token's `exp` (or the session's
 * expiry, if sooner), an ended or unknown one for the access-token lifetime.
 * A session it has not seen costs one database read, shared by concurrent
 * requests, then is remembered either way; the memory is bounded, and
 * forgetting only costs another read.
 *
 * Ended sessions reach every process three ways: at once for those this
 * process ended; at once through Redis publish/subscribe when configured;
 * and, whatever happens to Redis or a message, by asking the database each
 * second for sessions ended since the last look.
 */
export interface LiveSessions extends LiveSessionsPort {
  /** Records sessions this process ended, and tells the other instances; never rejects. */
  ended(sessionIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface LiveSessionsOptions {
  readonly sessions: SessionService;
  /** How long an ended session is remembered: the access-token lifetime, plus a minute for skew. */
  readonly retentionSeconds: number;
  readonly redisUrl?: string | undefined;
  readonly logger: Logger;
  /** How often to ask the database for sessions ended elsewhere. */
  readonly pollIntervalMs?: number;
  /** The most sessions remembered at once. */
  readonly maxEntries?: number;
}

/** A session as remembered: its owner, or null when it is not live. */
interface Known {
  readonly userId: string | null;
  readonly until: number;
}

/** How far back each poll looks again, for revocations committed late or written by a skewed clock. */
const POLL_OVERLAP_MS = 5_000;

export async function createLiveSessions(options: LiveSessionsOptions): Promise<LiveSessions> {
  const { sessions, logger } = options;
  const retentionMs = (options.retentionSeconds + 60) * 1000;
  const maxEntries = options.maxEntries ?? 100_000;
  const known = new Map<string, Known>();
  const loading = new Map<string, Promise<Known>>();

  const remember = (sessionId: string, entry: Known) => {
    known.delete(sessionId);
    known.set(sessionId, entry);
    // Map order is insertion order: the first key is the longest remembered.
    if (known.size > maxEntries) known.delete(known.keys().next().value as string);
  };
  const forget = (ids: readonly string[]) => {
    const until = Date.now() + retentionMs;
    for (const id of ids) remember(id, { userId: null, until });
  };

  const load = (sessionId: string, tokenExpiresAt: number): Promise<Known> => {
    const pending = loading.get(sessionId);
    if (pending) return pending;
    const read = sessions
      .findLive(sessionId)
      .then((live): Known => {
        const entry = live
          ? {
              userId: live.userId,
              until: Math.min(tokenExpiresAt * 1000, Date.parse(live.expiresAt)),
            }
          : { userId: null, until: Date.now() + retentionMs };
        // An ending learned while the read was in flight wins over what the read saw.
        const current = known.get(sessionId);
        if (!(current && current.userId === null && current.until > Date.now())) {
          remember(sessionId, entry);
        }
        return known.get(sessionId) ?? entry;
      })
      .finally(() => loading.delete(sessionId));
    loading.set(sessionId, read);
    return read;
  };

  // Sessions ended by other processes (another instance, `warden-server`), read from the database.
  let watermark = Date.now();
  let pollFailing = false;
  const poll = async () => {
    try {
      const ended = await sessions.revokedSince(new Date(watermark - POLL_OVERLAP_MS));
      forget(ended.map((row) => row.id));
      for (const row of ended) watermark = Math.max(watermark, Date.parse(row.revokedAt));
      if (pollFailing) logger.info("live sessions: the database answers again");
      pollFailing = false;
    } catch (error) {
      if (!pollFailing) logger.warn({ err: error }, "live sessions: polling the database failed");
      pollFailing = true;
    }
  };
  let polling: Promise<void> = Promise.resolve();
  const poller = setInterval(() => {
    polling = polling.then(poll);
  }, options.pollIntervalMs ?? 1000);
  poller.unref();

  const prune = setInterval(() => {
    const now = Date.now();
    for (const [id, entry] of known) if (entry.until <= now) known.delete(id);
  }, 60_000);
  prune.unref();

  const base = {
    isLive(sessionId: string, userId: string, tokenExpiresAt: number) {
      const entry = known.get(sessionId);
      if (entry && entry.until > Date.now()) return entry.userId === userId;
      return load(sessionId, tokenExpiresAt).then((loaded) => loaded.userId === userId);
    },
    async close() {
      clearInterval(poller);
      clearInterval(prune);
      await polling;
    },
  };

  if (!options.redisUrl) {
    return { ...base, ended: async (ids) => forget(ids) };
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
  for (const client of [publisher, subscriber])
    client.on("error", (error) => logger.debug({ err: error }, "redis error"));

  subscriber.on("message", (_channel, message: string) =>
    forget(message.split(",").filter(Boolean)),
  );
  subscriber.on("ready", () => {
    subscriber
      .subscribe(CHANNEL)
      .then(() => {
        subscribed = true;
        logger.info("live sessions: following other instances through redis");
      })
      .catch((error: unknown) => logger.warn({ err: error }, "live sessions: subscribe failed"));
  });
  subscriber.on("close", () => {
    if (subscribed)
      logger.warn("live sessions: redis lost; other instances' logouts arrive by polling");
    subscribed = false;
  });
  await Promise.allSettled([publisher.connect(), subscriber.connect()]);

  return {
    ...base,
    async ended(ids) {
      forget(ids);
      await publisher.publish(CHANNEL, ids.join(",")).catch((error: unknown) => {
        logger.warn(
          { err: error },
          "live sessions: could not tell other instances; they learn it by polling",
        );
      });
    },
    async close() {
      await base.close();
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
