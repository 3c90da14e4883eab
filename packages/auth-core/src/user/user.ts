import type { Role } from "../schemas/roles.js";

export { ROLES, type Role } from "../schemas/roles.js";

/** What a user sees of their own account. Never carries the password hash. */
export interface User {
  id: string;
  username: string;
  email: string;
  name: string;
  role: Role;
  /** Whether the owner opened a link mailed to `email`. */
  emailVerified: boolean;
  /** Whether a login asks for a TOTP code (or a recovery code) after the password. */
  twoFactorEnabled: boolean;
  createdAt: string;
}

/** An account as stored: the user plus what only auth-core may read. */
export interface UserAccount extends User {
  passwordHash: string;
  disabled: boolean;
}

/** What anyone may see of another account. */
export interface PublicUser {
  id: string;
  username: string;
  name: string;
  createdAt: string;
}

/** The account without its secrets: what leaves auth-core. */
export function toUser(account: UserAccount): User {
  return {
    id: account.id,
    username: account.username,
    email: account.email,
    name: account.name,
    role: account.role,
    emailVerified: account.emailVerified,
    twoFactorEnabled: account.twoFactorEnabled,
    createdAt: account.createdAt,
  };
}

export function toPublicUser(
  user: Pick<User, "id" | "username" | "name" | "createdAt">,
): PublicUser {
  return { id: user.id, username: user.username, name: user.name, createdAt: user.createdAt };
}
