import type { UserRow } from "../db/schema.js";

export type Role = "user" | "admin";
export const ROLES = ["user", "admin"] as const;

/** What a user sees of their own account. Never carries the password hash. */
export interface User {
  id: string;
  username: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

/** What anyone may see of another account. */
export interface PublicUser {
  id: string;
  username: string;
  name: string;
  createdAt: string;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
  };
}

export function toPublicUser(
  user: Pick<User, "id" | "username" | "name" | "createdAt">,
): PublicUser {
  return { id: user.id, username: user.username, name: user.name, createdAt: user.createdAt };
}
