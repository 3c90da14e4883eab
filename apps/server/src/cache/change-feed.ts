import type { Logger } from "pino";

/**
 * How every instance learns that rows changed (a session ended, a user was
 * written), whoever changed them: this process, another instance, or
 * `warden-server` on the same database. Three ways, so none is lost:
 * - `publish` tells this process at once, and the other instances at once
 *   through Redis publish/subscribe when `redisUrl` is set;
 * - whatever happens to Redis or a message, every instance asks the database
 *   each second (`readChangedSince`) for what changed since it last looked,
 *   or, for a topic whose deletions leave no row to find, its entries expire
 *   within that second on their own.
 * The listener may hear an id more than once; it must be idempotent.
 */
export interface ChangeFeed {
  /** Tells this process and the other instances; never rejects. */
  publish(ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface ChangeFeedOptions {
  /** What it is about, in log lines and the Redis channel's name ("sessions", "users"). */
  readonly topic: string;
  readonly redisUrl?: string | undefined;
  readonly logger: Logger;
  /**
   * Ids changed after `since`, with when (ISO 8601), as the database says.
   * Without it there is no polling: the listener's entries expire on their
   * own within the bound a poll would give (post-pages.ts).
   */
  readonly readChangedSince?: (since: Date) => Promise<{ id: string; at: string }[]>;
  readonly onChanged: (ids: readonly string[]) => void;
  readonly pollIntervalMs?: number;
}

/** How far back each poll looks again, for changes committed late or written by a skewed clock. */
const POLL_OVERLAP_MS = 5_000;

export async function createChangeFeed(options: ChangeFeedOptions): Promise<ChangeFeed> {
  const { topic, logger, onChanged } = options;

  let watermark = Date.now();
  let pollFailing = false;
  const readChangedSince = options.readChangedSince;
  const poll = async () => {
    if (!readChangedSince) return;
    try {
      const changed = await readChangedSince(new Date(watermark - POLL_OVERLAP_MS));
      if (changed.length > 0) onChanged(changed.map((row) => row.id));
      for (const row of changed) watermark = Math.max(watermark, Date.parse(row.at));
      if (pollFailing) logger.info(`${topic}: the database answers again`);
      pollFailing = false;
    } catch (error) {
      if (!pollFailing) logger.warn({ err: error }, `${topic}: polling the database failed`);
      pollFailing = true;
    }
  };
  let polling: Promise<void> = Promise.resolve();
  const poller = readChangedSince
    ? setInterval(() => {
        polling = polling.then(poll);
      }, options.pollIntervalMs ?? 1000)
    : undefined;
  poller?.unref();
  const stopPolling = async () => {
    clearInterval(poller);
    await polling;
  };

  if (!options.redisUrl) {
    return {
      async publish(ids) {
        onChanged(ids);
      },
      close: stopPolling,
    };
  }

  const channel = `warden:${topic}:changed`;
  const redisOptions = { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false };
  // Loaded only when Redis is configured.
  const { Redis } = await import("ioredis");
  const publisher = new Redis(options.redisUrl, redisOptions);
  const subscriber = new Redis(options.redisUrl, { ...redisOptions, enableOfflineQueue: true });
  let subscribed = false;
  for (const client of [publisher, subscriber])
    client.on("error", (error) => logger.debug({ err: error }, "redis error"));

  subscriber.on("message", (_channel, message: string) =>
    onChanged(message.split(",").filter(Boolean)),
  );
  subscriber.on("ready", () => {
    subscriber
      .subscribe(channel)
      .then(() => {
        subscribed = true;
        logger.info(`${topic}: following other instances through redis`);
      })
      .catch((error: unknown) => logger.warn({ err: error }, `${topic}: subscribe failed`));
  });
  subscriber.on("close", () => {
    if (subscribed) logger.warn(`${topic}: redis lost; other instances' changes arrive by polling`);
    subscribed = false;
  });
  await Promise.allSettled([publisher.connect(), subscriber.connect()]);

  return {
    async publish(ids) {
      onChanged(ids);
      await publisher.publish(channel, ids.join(",")).catch((error: unknown) => {
        logger.warn(
          { err: error },
          `${topic}: could not tell other instances; they learn it by polling`,
        );
      });
    },
    async close() {
      await stopPolling();
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
