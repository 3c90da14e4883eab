import type { ClientRow } from "../db/schema.js";

export { SCOPES, type Scope } from "../schemas/scopes.js";

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
