import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import { AuthError } from "../errors.js";
import { newId } from "../ids.js";
import { decodeCursor, type Page, toPage } from "../pagination.js";
import { type Post, toPost } from "./post.js";
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

export function createPostService(options: { db: Kysely<Database>; clock: Clock }): PostService {
  const { db, clock } = options;

  async function visible(viewerId: string, id: string) {
    const row = await posts.findPost(db, id);
    if (!row || (row.owner_id !== viewerId && Number(row.published) !== 1)) {
      throw new AuthError("NOT_FOUND", { message: "no such post" });
    }
    return row;
  }

  async function owned(viewerId: string, id: string) {
    const row = await visible(viewerId, id);
    if (row.owner_id !== viewerId)
      throw new AuthError("FORBIDDEN", { message: "only the owner may change this post" });
    return row;
  }

  return {
    async list(viewerId, { limit, cursor }) {
      const rows = await posts.listVisiblePosts(db, viewerId, {
        limit: limit + 1,
        before: decodeCursor(cursor),
      });
      return toPage(rows, limit, toPost, (row) => row.created_at);
    },

    async get(viewerId, id) {
      return toPost(await visible(viewerId, id));
    },

    async create(ownerId, input) {
      const now = clock.nowIso();
      const row = {
        id: newId(),
        owner_id: ownerId,
        title: input.title,
        content: input.content,
        published: input.published ? 1 : 0,
        created_at: now,
        updated_at: now,
      };
      await posts.insertPost(db, row);
      return toPost(row);
    },

    async update(viewerId, { id, title, content, published }) {
      const row = await owned(viewerId, id);
      const changes = {
        ...(title !== undefined ? { title } : {}),
        ...(content !== undefined ? { content } : {}),
        ...(published !== undefined ? { published: published ? 1 : 0 } : {}),
        updated_at: clock.nowIso(),
      };
      await posts.updatePost(db, id, changes);
      return toPost({ ...row, ...changes });
    },

    async delete(viewerId, id) {
      await owned(viewerId, id);
      await posts.deletePost(db, id);
    },
  };
}
