/** What a service client may ask for in its tokens (CONTRACT: Scopes). */
export const SCOPES = ["users:read"] as const;
export type Scope = (typeof SCOPES)[number];
