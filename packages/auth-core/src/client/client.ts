import type { ClientRow } from "../db/schema.js";

/** What a service client may ask for in its tokens (CONTRACT: Scopes). */
export const SCOPES = ["users:read"] as const;
export type Scope = (typeof SCOPES)[number];

/** A service client as admins see it: never its secret or the secret's hash. */
export interface Client {
  clientId: string;
  name: string;
  scopes: string[];
  createdAt: string;
}

export function toClient(row: ClientRow): Client {
  return {
    clientId: row.client_id,
    name: row.name,
    scopes: row.scopes.split(" ").filter(Boolean),
    createdAt: row.created_at,
  };
}
