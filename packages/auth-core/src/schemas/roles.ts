/** The roles a user may have; a token carries the role it was issued with. */
export const ROLES = ["user", "admin"] as const;
export type Role = (typeof ROLES)[number];
