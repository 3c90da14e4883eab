/** The roles a user may have; a promotion takes effect at the user's next login. */
export const ROLES = ["user", "admin"] as const;
export type Role = (typeof ROLES)[number];
