import type { LiveSessions as LiveSessionsPort, SessionService } from "@warden/auth-core";
import type { Logger } from "pino";
import { createChangeFeed } from "./change-feed.js";

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
 * forgetting only costs another read. Ended sessions reach every process
 * through the change feed (at once, or within a second by polling).
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

export async function createLiveSessions(options: LiveSessionsOptions): Promise<LiveSessions> {
  const { sessions } = options;
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

  const feed = await createChangeFeed({
    topic: "sessions",
    redisUrl: options.redisUrl,
    logger: options.logger,
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    readChangedSince: async (since) =>
      (await sessions.revokedSince(since)).map((row) => ({ id: row.id, at: row.revokedAt })),
    onChanged: forget,
  });

  const prune = setInterval(() => {
    const now = Date.now();
    for (const [id, entry] of known) if (entry.until <= now) known.delete(id);
  }, 60_000);
  prune.unref();

  return {
    isLive(sessionId, userId, tokenExpiresAt) {
      const entry = known.get(sessionId);
      if (entry && entry.until > Date.now()) return entry.userId === userId;
      return load(sessionId, tokenExpiresAt).then((loaded) => loaded.userId === userId);
    },
    ended: (ids) => feed.publish(ids),
    async close() {
      clearInterval(prune);
      await feed.close();
    },
  };
}
