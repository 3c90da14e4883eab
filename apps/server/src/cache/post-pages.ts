import type { Page, Post, PostService } from "@warden/auth-core";
import type { Logger } from "pino";
import { createChangeFeed } from "./change-feed.js";

/**
 * Pages of `posts.list`, remembered for a second so that a busy list costs
 * no database query. A page holds everyone's published posts, so any write
 * to any post (or to a user: deleting one deletes their posts) drops every
 * page: in this process at once, on the other instances at once through
 * Redis, and, whatever happens to Redis, within a second, when the page
 * expires. That second is the bound a revocation or a user's change has
 * across instances; a deleted post leaves no row a poll could find, so the
 * expiry is the bound here instead.
 */
export interface PostPages {
  /** The page `PostService.list` answers, from memory when it was read within the last second. */
  list(
    viewerId: string,
    options: { limit: number; cursor?: string | null | undefined },
  ): Promise<Page<Post>>;
  /** Tells this process and the other instances that posts changed; never rejects. */
  changed(): Promise<void>;
  close(): Promise<void>;
}

export interface PostPagesOptions {
  readonly posts: PostService;
  readonly redisUrl?: string | undefined;
  readonly logger: Logger;
  /** How long a page is remembered. */
  readonly rememberMs?: number;
  /** The most pages remembered at once (each a viewer's page: about 7 KB for 20 posts). */
  readonly maxEntries?: number;
}

export async function createPostPages(options: PostPagesOptions): Promise<PostPages> {
  const { posts } = options;
  const rememberMs = options.rememberMs ?? 1000;
  const maxEntries = options.maxEntries ?? 1000;
  const known = new Map<string, { page: Page<Post>; until: number }>();
  // Bumped by every change, so a read in flight across a change is not kept.
  let generation = 0;

  const feed = await createChangeFeed({
    topic: "posts",
    redisUrl: options.redisUrl,
    logger: options.logger,
    onChanged: () => {
      known.clear();
      generation += 1;
    },
  });

  return {
    async list(viewerId, { limit, cursor }) {
      const key = `${viewerId} ${limit} ${cursor ?? ""}`;
      const remembered = known.get(key);
      if (remembered && remembered.until > Date.now()) return remembered.page;
      const before = generation;
      const page = await posts.list(viewerId, { limit, cursor });
      if (generation === before) {
        known.delete(key); // re-inserted last, so the oldest entry is the first to go
        known.set(key, { page, until: Date.now() + rememberMs });
        if (known.size > maxEntries) known.delete(known.keys().next().value as string);
      }
      return page;
    },
    changed: () => feed.publish(["posts"]),
    close: () => feed.close(),
  };
}
