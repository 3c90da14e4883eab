import type { Kysely } from "kysely";
import { compiledOnce } from "../db/compiled-once.js";
import type { Database, PostRow } from "../db/schema.js";
import { type CursorPosition, keysetAfter } from "../pagination.js";
import type { Post } from "./post.js";

function toPost(row: PostRow): Post {
  return {
    id: row.id,
    title: row.title,
    content: row.content,
    published: Number(row.published) === 1,
    ownerId: row.owner_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function insertPost(db: Kysely<Database>, post: Post): Promise<void> {
  await db
    .insertInto("posts")
    .values({
      id: post.id,
      owner_id: post.ownerId,
      title: post.title,
      content: post.content,
      published: post.published ? 1 : 0,
      created_at: post.createdAt,
      updated_at: post.updatedAt,
    })
    .execute();
}

export async function findPost(db: Kysely<Database>, id: string): Promise<Post | undefined> {
  const row = await db.selectFrom("posts").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toPost(row) : undefined;
}

export async function updatePost(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Pick<Post, "title" | "content" | "published" | "updatedAt">>,
): Promise<void> {
  await db
    .updateTable("posts")
    .set({
      ...(changes.title !== undefined ? { title: changes.title } : {}),
      ...(changes.content !== undefined ? { content: changes.content } : {}),
      ...(changes.published !== undefined ? { published: changes.published ? 1 : 0 } : {}),
      ...(changes.updatedAt !== undefined ? { updated_at: changes.updatedAt } : {}),
    })
    .where("id", "=", id)
    .execute();
}

export async function deletePost(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom("posts").where("id", "=", id).execute();
}

const visiblePostsQuery = (db: Kysely<Database>, viewerId: string, limit: number) =>
  db
    .selectFrom("posts")
    .selectAll()
    .where((eb) => eb.or([eb("published", "=", 1), eb("owner_id", "=", viewerId)]))
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit);

// The first page and the pages after a cursor: two shapes, each compiled once (compiled-once.ts).
const firstVisiblePosts = compiledOnce(visiblePostsQuery, 2);
const visiblePostsAfter = compiledOnce(
  (db: Kysely<Database>, viewerId: string, limit: number, createdAt: string, id: string) =>
    visiblePostsQuery(db, viewerId, limit).where(
      keysetAfter("created_at", "desc", { createdAt, id }),
    ),
  4,
);

/** Published posts and the viewer's own drafts, newest first, after the cursor position. */
export async function listVisiblePosts(
  db: Kysely<Database>,
  viewerId: string,
  options: { limit: number; after?: CursorPosition | undefined },
): Promise<Post[]> {
  const { limit, after } = options;
  const rows = after
    ? await visiblePostsAfter(db, viewerId, limit, after.createdAt, after.id)
    : await firstVisiblePosts(db, viewerId, limit);
  return rows.map(toPost);
}
