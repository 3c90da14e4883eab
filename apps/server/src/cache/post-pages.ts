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
  /** The most pages remembered at once. */
  readonly maxEntries?: number;
  /**
   * The most text (titles and contents, in characters) the remembered pages
   * hold together. A page of 100 posts of 50,000 characters is 5 M: without
   * this bound, a caller asking for many such pages (other limits, other
   * cursors) would make the cache hold gigabytes until the next write.
   */
  readonly maxCharacters?: number;
}

/** What a page weighs against maxCharacters: its posts' text, plus a little per post. */
function weightOf(page: Page<Post>): number {
  let weight = 0;
  for (const post of page.items) weight += post.title.length + post.content.length + 200;
  return weight;
}

export async function createPostPages(options: PostPagesOptions): Promise<PostPages> {
  const { posts } = options;
  const rememberMs = options.rememberMs ?? 1000;
  const maxEntries = options.maxEntries ?? 1000;
  const maxCharacters = options.maxCharacters ?? 8_000_000;
  const known = new Map<string, { page: Page<Post>; until: number; weight: number }>();
  let weight = 0;
  const forget = (key: string) => {
    const entry = known.get(key);
    if (!entry) return;
    known.delete(key);
    weight -= entry.weight;
  };
  // Bumped by every change, so a read in flight across a change is not kept.
  let generation = 0;

  const feed = await createChangeFeed({
    topic: "posts",
    redisUrl: options.redisUrl,
    logger: options.logger,
    onChanged: () => {
      known.clear();
      weight = 0;
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
      const pageWeight = weightOf(page);
      // A page heavier than a sixteenth of the budget is read from the database each time.
      if (generation === before && pageWeight <= maxCharacters / 16) {
        forget(key); // re-inserted last, so the oldest entry is the first to go
        known.set(key, { page, until: Date.now() + rememberMs, weight: pageWeight });
        weight += pageWeight;
        while (known.size > maxEntries || weight > maxCharacters)
          forget(known.keys().next().value as string);
      }
      return page;
    },
    changed: () => feed.publish(["posts"]),
    close: () => feed.close(),
  };
}
