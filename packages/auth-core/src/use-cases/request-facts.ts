import type { AuditLog, NewAuditEvent } from "../audit/audit.js";

/** What a use case knows of the request that asked for it, whatever the transport. */
export interface RequestFacts {
  /** The client's address; absent for commands run on the server itself. */
  readonly ip?: string | undefined;
  readonly userAgent?: string | null | undefined;
  /** Ties audit events to the access log line of the same request. */
  readonly requestId?: string | undefined;
}

/** Who asks for an administrative action: an admin's token, or the server's own command line. */
export type AdminActor =
  | { readonly kind: "user"; readonly userId: string }
  | { readonly kind: "system"; readonly name: string };

/** How an actor is named in an audit event's `by`. */
export function actorName(actor: AdminActor): string {
  return actor.kind === "user" ? actor.userId : actor.name;
}

/** Records an event caused by `request`: its IP and request id come along. */
export async function recordAudit(
  audit: AuditLog,
  request: RequestFacts,
  event: Omit<NewAuditEvent, "ip">,
): Promise<void> {
  await audit.record({
    ...event,
    ...(request.ip ? { ip: request.ip } : {}),
    detail: {
      ...event.detail,
      ...(request.requestId ? { requestId: request.requestId } : {}),
    },
  });
}
