import { randomUUID } from "node:crypto";

/** Random (v4) UUIDs: opaque and unguessable, unlike sequential integers. */
export function newId(): string {
  return randomUUID();
}
