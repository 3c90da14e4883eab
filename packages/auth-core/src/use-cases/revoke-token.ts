import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * Ends the session a token belongs to (RFC 7009): a refresh token, or a
 * user's access token. Holding the token is the proof. An unknown, ended or
 * service token changes nothing and reveals nothing; an ended session is
 * recorded as `logout`, as `auth.logout` records it.
 */
export async function revokeToken(
  deps: Pick<UseCaseDeps, "sessions" | "audit" | "tokens">,
  token: string,
  request: RequestFacts,
): Promise<void> {
  let ended = await deps.sessions.revokeByRefreshToken(token);
  if (!ended) {
    const subject = await deps.tokens.verify(token).catch(() => null);
    if (
      subject?.kind === "user" &&
      (await deps.sessions.revoke(subject.userId, subject.sessionId, "logout"))
    ) {
      ended = { userId: subject.userId, sessionId: subject.sessionId };
    }
  }
  if (!ended) return;
  await recordAudit(deps.audit, request, {
    kind: "logout",
    userId: ended.userId,
    detail: { sessionId: ended.sessionId },
  });
}
