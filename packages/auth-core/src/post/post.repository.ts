import type { Kysely } from "kysely";
import type { Database, PostRow } from "../db/schema.js";

export async function insertPost(db: Kysely<Database>, row: PostRow): Promise<void> {
  await db.insertInto("posts").values(row).execute();
}

export async function findPost(db: Kysely<Database>, id: string): Promise<PostRow | undefined> {
  return db.selectFrom("posts").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function updatePost(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Pick<PostRow, "title" | "content" | "published" | "updated_at">>,
): Promise<void> {
  await db.updateTable("posts").set(changes).where("id", "=", id).execute();
}

export async function deletePost(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom("posts").where("id", "=", id).execute();
}

/** Published posts and the viewer's own drafts, newest first, before the (created_at, id) cursor. */
export async function listVisiblePosts(
  db: Kysely<Database>,
  viewerId: string,
  options: { limit: number; before?: { createdAt: string; id: string } | undefined },
): Promise<PostRow[]> {
  let q = db
    .selectFrom("posts")
    .selectAll()
    .where((eb) => eb.or([eb("published", "=", 1), eb("owner_id", "=", viewerId)]));
  if (options.before) {
    const { createdAt, id } = options.before;
    q = q.where((eb) =>
      eb.or([
        eb("created_at", "<", createdAt),
        eb.and([eb("created_at", "=", createdAt), eb("id", "<", id)]),
      ]),
    );
  }
  return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(options.limit).execute();
}
