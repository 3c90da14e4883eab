import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import { AuthError } from "../errors.js";
import { newId } from "../ids.js";
import { decodeCursor, type Page, toPage } from "../pagination.js";
import type { Post } from "./post.js";
import * as posts from "./post.repository.js";

export interface PostService {
  list(
    viewerId: string,
    options: { limit: number; cursor?: string | null | undefined },
  ): Promise<Page<Post>>;
  /** Someone else's draft is NOT_FOUND, as if it did not exist. */
  get(viewerId: string, id: string): Promise<Post>;
  create(
    ownerId: string,
    input: { title: string; content: string; published?: boolean | undefined },
  ): Promise<Post>;
  /** NOT_FOUND if invisible to the caller, FORBIDDEN if visible but not theirs. */
  update(
    viewerId: string,
    input: {
      id: string;
      title?: string | undefined;
      content?: string | undefined;
      published?: boolean | undefined;
    },
  ): Promise<Post>;
  delete(viewerId: string, id: string): Promise<void>;
}

export function createPostService(options: {
  db: Kysely<Database>;
  clock: Clock;
  /** Told after every write to a post, once it is in the database (server caches drop their pages). */
  onChanged?: (() => void | Promise<void>) | undefined;
}): PostService {
  const { db, clock } = options;
  const changed = async () => {
    await options.onChanged?.();
  };

  async function visible(viewerId: string, id: string) {
    const post = await posts.findPost(db, id);
    if (!post || (post.ownerId !== viewerId && !post.published)) {
      throw new AuthError("NOT_FOUND", { message: "no such post" });
    }
    return post;
  }

  async function owned(viewerId: string, id: string) {
    const post = await visible(viewerId, id);
    if (post.ownerId !== viewerId)
      throw new AuthError("FORBIDDEN", { message: "only the owner may change this post" });
    return post;
  }

  return {
    async list(viewerId, { limit, cursor }) {
      const found = await posts.listVisiblePosts(db, viewerId, {
        limit: limit + 1,
        after: decodeCursor(cursor),
      });
      return toPage(found, limit, (post) => post.createdAt);
    },

    async get(viewerId, id) {
      return visible(viewerId, id);
    },

    async create(ownerId, input) {
      const now = clock.nowIso();
      const post: Post = {
        id: newId(),
        ownerId,
        title: input.title,
        content: input.content,
        published: input.published ?? false,
        createdAt: now,
        updatedAt: now,
      };
      await posts.insertPost(db, post);
      await changed();
      return post;
    },

    async update(viewerId, { id, title, content, published }) {
      const post = await owned(viewerId, id);
      const changes = {
        ...(title !== undefined ? { title } : {}),
        ...(content !== undefined ? { content } : {}),
        ...(published !== undefined ? { published } : {}),
        updatedAt: clock.nowIso(),
      };
      await posts.updatePost(db, id, changes);
      await changed();
      return { ...post, ...changes };
    },

    async delete(viewerId, id) {
      await owned(viewerId, id);
      await posts.deletePost(db, id);
      await changed();
    },
  };
}
