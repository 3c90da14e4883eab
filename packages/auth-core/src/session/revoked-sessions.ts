/**
 * Whether a session has ended, asked on every authenticated request: the
 * port through which the server's revocation set (memory, Redis, database)
 * answers without a database read on the hot path.
 */
export interface RevokedSessions {
  isRevoked(sessionId: string): boolean | Promise<boolean>;
}
