import { AuthError } from "../errors.js";
import type { AuthenticatedUser } from "./authenticate-access-token.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

type Caller = Pick<AuthenticatedUser, "userId" | "sessionId">;

/**
 * Ends one of the caller's sessions. Someone else's session, or one already
 * ended, is NOT_FOUND: it is not the caller's to see.
 */
export async function endSession(
  deps: Pick<UseCaseDeps, "sessions" | "audit">,
  caller: Caller,
  sessionId: string,
  request: RequestFacts,
): Promise<void> {
  if (!(await deps.sessions.revoke(caller.userId, sessionId, "revoked"))) {
    throw new AuthError("NOT_FOUND", { message: "no such session" });
  }
  await recordAudit(deps.audit, request, {
    kind: "session.revoked",
    userId: caller.userId,
    detail: { sessionId },
  });
}

/** Ends every session of the caller but the one making the request; returns how many. */
export async function endOtherSessions(
  deps: Pick<UseCaseDeps, "sessions" | "audit">,
  caller: Caller,
  request: RequestFacts,
): Promise<number> {
  const ended = await deps.sessions.revokeAll(caller.userId, "revoked", {
    exceptSessionId: caller.sessionId,
  });
  await recordAudit(deps.audit, request, {
    kind: "session.revoked",
    userId: caller.userId,
    detail: { count: ended.length, sessionIds: ended.join(" "), keptSessionId: caller.sessionId },
  });
  return ended.length;
}
