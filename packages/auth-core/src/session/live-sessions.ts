/**
 * Whether a user token's session is live and belongs to its subject, asked
 * on every authenticated request: the port through which the server answers
 * from memory on the hot path (see apps/server's live-sessions.ts). A token
 * is accepted only while its session is live: sessions are an allowlist, not
 * a denylist of revoked ones.
 */
export interface LiveSessions {
  isLive(
    sessionId: string,
    userId: string,
    /** The token's `exp`, in seconds: how long a "live" answer may be remembered at most. */
    tokenExpiresAt: number,
  ): boolean | Promise<boolean>;
}
