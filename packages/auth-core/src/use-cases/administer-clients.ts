import type { CreatedClient } from "../client/client.service.js";
import { type AdminActor, actorName, type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/** Registers a service client; its secret is in the answer, this once. Throws INVALID_INPUT. */
export async function createClient(
  deps: Pick<UseCaseDeps, "clients" | "audit">,
  actor: AdminActor,
  input: { name: string; scopes: readonly string[] },
  request: RequestFacts,
): Promise<CreatedClient> {
  const created = await deps.clients.create(input);
  await recordAudit(deps.audit, request, {
    kind: "client.created",
    clientId: created.clientId,
    detail: { by: actorName(actor), name: created.name, scopes: created.scopes.join(" ") },
  });
  return created;
}

/** Revokes a client; its tokens die with it. Throws NOT_FOUND. */
export async function revokeClient(
  deps: Pick<UseCaseDeps, "clients" | "audit">,
  actor: AdminActor,
  clientId: string,
  request: RequestFacts,
): Promise<void> {
  await deps.clients.revoke(clientId);
  await recordAudit(deps.audit, request, {
    kind: "client.revoked",
    clientId,
    detail: { by: actorName(actor) },
  });
}
