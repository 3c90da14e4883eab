import type { PostRow } from "../db/schema.js";

export interface Post {
  id: string;
  title: string;
  content: string;
  published: boolean;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
}

export function toPost(row: PostRow): Post {
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
