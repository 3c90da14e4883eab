import type { User, UserService } from "@warden/auth-core";
import type { Logger } from "pino";
import { createChangeFeed } from "./change-feed.js";

/**
 * Users as reads like `users.me` see them, remembered so that such a read
 * costs no database query. Every write to a user, in any process, reaches
 * every instance through the change feed (at once, or within a second by
 * polling `users.updated_at`), and the entry is dropped. Logins and refreshes
 * never read from here: they always read the database.
 */
export interface UserRows {
  /** The user, or null when there is none (absences are not remembered). */
  findById(id: string): Promise<User | null>;
  /** Tells this process and the other instances that these users changed; never rejects. */
  changed(userIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface UserRowsOptions {
  readonly users: UserService;
  readonly redisUrl?: string | undefined;
  readonly logger: Logger;
  readonly pollIntervalMs?: number;
  /** The most users remembered at once. */
  readonly maxEntries?: number;
}

/** A safety net under the change feed: no entry is older than this. */
const REMEMBER_MS = 60_000;

export async function createUserRows(options: UserRowsOptions): Promise<UserRows> {
  const { users } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  const known = new Map<string, { user: User; until: number }>();
  // Bumped for a user whenever it changes, so a read in flight across a change is not kept.
  const generation = new Map<string, number>();

  const drop = (ids: readonly string[]) => {
    for (const id of ids) {
      known.delete(id);
      generation.set(id, (generation.get(id) ?? 0) + 1);
    }
  };

  const feed = await createChangeFeed({
    topic: "users",
    redisUrl: options.redisUrl,
    logger: options.logger,
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    readChangedSince: async (since) =>
      (await users.changedSince(since)).map((row) => ({ id: row.id, at: row.updatedAt })),
    onChanged: drop,
  });

  // The generations only matter while a read is in flight; they are cleared now and then.
  const prune = setInterval(() => generation.clear(), 60_000);
  prune.unref();

  return {
    async findById(id) {
      const remembered = known.get(id);
      if (remembered && remembered.until > Date.now()) return remembered.user;
      const before = generation.get(id) ?? 0;
      const user = await users.findById(id);
      if (user && (generation.get(id) ?? 0) === before) {
        known.set(id, { user, until: Date.now() + REMEMBER_MS });
        if (known.size > maxEntries) known.delete(known.keys().next().value as string);
      }
      return user;
    },
    changed: (ids) => feed.publish(ids),
    async close() {
      clearInterval(prune);
      await feed.close();
    },
  };
}
