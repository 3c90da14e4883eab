import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import { AuthError } from "../errors.js";
import { newId } from "../ids.js";
import { generateRefreshToken, hashRefreshToken } from "../token/refresh-token.js";
import type { RevocationReason, Session } from "./session.js";
import * as sessions from "./session.repository.js";

export interface SessionServiceOptions {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly refreshTokenTtlSeconds: number;
  /** No session outlives its login by more than this, however often it is refreshed. */
  readonly sessionMaxAgeSeconds: number;
  /** Told of every session this process ends, so access tokens of it are refused at once. */
  readonly onRevoked: (sessionIds: readonly string[]) => void | Promise<void>;
}

export interface IssuedRefreshToken {
  readonly userId: string;
  readonly sessionId: string;
  readonly refreshToken: string;
  readonly refreshExpiresIn: number;
}

/**
 * What presenting a refresh token came to. A token that was already rotated
 * is proof of theft (RFC 9700 §4.14): its whole session has been ended, and
 * the caller learns whose it was, to record it.
 */
export type RefreshRotation =
  | { readonly outcome: "rotated"; readonly issued: IssuedRefreshToken }
  | { readonly outcome: "reused"; readonly userId: string; readonly sessionId: string };

export interface SessionService {
  create(
    userId: string,
    client: { userAgent?: string | null; ip?: string | null },
  ): Promise<IssuedRefreshToken>;
  /**
   * Exchanges a refresh token for a new one in the same session, or ends the
   * session when the token was already rotated. Throws INVALID_REFRESH_TOKEN
   * for a token that is unknown, expired or of an ended session.
   */
  rotate(refreshToken: string): Promise<RefreshRotation>;
  /** Ends the live session the refresh token belongs to; returns whose it was, or null. */
  revokeByRefreshToken(
    refreshToken: string,
    options?: { userId?: string },
  ): Promise<{ userId: string; sessionId: string } | null>;
  /** Ends one session of `userId`; false when it is not theirs or not live. */
  revoke(userId: string, sessionId: string, reason: RevocationReason): Promise<boolean>;
  /** Ends every live session of the user but `exceptSessionId`; returns the ids it ended. */
  revokeAll(
    userId: string,
    reason: RevocationReason,
    options?: { exceptSessionId?: string },
  ): Promise<string[]>;
  list(userId: string, currentSessionId?: string): Promise<Session[]>;
  /** The owner and expiry of a live session, or null (a database read). */
  findLive(sessionId: string): Promise<{ userId: string; expiresAt: string } | null>;
  /** True while the session exists, is not revoked and has not expired (a database read). */
  isLive(sessionId: string): Promise<boolean>;
  /** Ids of sessions revoked after `since`, for warming a revocation cache. */
  revokedSince(since: Date): Promise<{ id: string; revokedAt: string }[]>;
  /** Deletes sessions that ended before `before`; returns how many. */
  deleteEnded(before: Date): Promise<number>;
}

export function createSessionService(options: SessionServiceOptions): SessionService {
  const { db, clock, refreshTokenTtlSeconds, sessionMaxAgeSeconds, onRevoked } = options;
  /** A refresh token's expiry: the TTL from now, but never past the session's maximum age. */
  const refreshExpiry = (now: Date, sessionCreatedAt: Date) => {
    const at = Math.min(
      now.getTime() + refreshTokenTtlSeconds * 1000,
      sessionCreatedAt.getTime() + sessionMaxAgeSeconds * 1000,
    );
    return { iso: new Date(at).toISOString(), seconds: Math.floor((at - now.getTime()) / 1000) };
  };

  async function revokeWhere(
    filter: Parameters<typeof sessions.revokeSessions>[1],
    reason: RevocationReason,
  ) {
    const ids = await sessions.revokeSessions(db, filter, { now: clock.nowIso(), reason });
    // Awaited, so that when the caller hears "done", every instance has been told.
    if (ids.length > 0) await onRevoked(ids);
    return ids;
  }

  const invalid = () => new AuthError("INVALID_REFRESH_TOKEN");
  const reused = async (found: { session_id: string; user_id: string }) => {
    await revokeWhere({ sessionId: found.session_id }, "refresh_reuse");
    return { outcome: "reused", userId: found.user_id, sessionId: found.session_id } as const;
  };

  return {
    async create(userId, client) {
      const now = clock.now();
      const refreshToken = generateRefreshToken();
      const session = {
        id: newId(),
        user_id: userId,
        created_at: now.toISOString(),
        last_used_at: now.toISOString(),
        expires_at: refreshExpiry(now, now).iso,
        revoked_at: null,
        revoked_reason: null,
        user_agent: client.userAgent?.slice(0, 512) ?? null,
        ip: client.ip?.slice(0, 64) ?? null,
      };
      await sessions.insertSession(db, session, {
        hash: hashRefreshToken(refreshToken),
        expiresAt: session.expires_at,
      });
      return {
        userId,
        sessionId: session.id,
        refreshToken,
        refreshExpiresIn: refreshExpiry(now, now).seconds,
      };
    },

    async rotate(refreshToken) {
      const hash = hashRefreshToken(refreshToken);
      const found = await sessions.findRefreshToken(db, hash);
      const now = clock.now();
      if (!found || found.session_revoked_at !== null) throw invalid();
      if (found.rotated_at !== null) return reused(found);
      if (found.expires_at <= now.toISOString()) throw invalid();
      const expiry = refreshExpiry(now, new Date(found.session_created_at));
      if (expiry.seconds <= 0) throw invalid();

      const next = generateRefreshToken();
      const outcome = await sessions.rotateRefreshToken(db, {
        tokenHash: hash,
        nextHash: hashRefreshToken(next),
        sessionId: found.session_id,
        now: now.toISOString(),
        expiresAt: expiry.iso,
      });
      // "lost": another request rotated this token between our read and our
      // write, so the same token was presented twice, which is reuse.
      if (outcome === "lost") return reused(found);
      if (outcome === "ended") throw invalid();
      return {
        outcome: "rotated",
        issued: {
          userId: found.user_id,
          sessionId: found.session_id,
          refreshToken: next,
          refreshExpiresIn: expiry.seconds,
        },
      };
    },

    async revokeByRefreshToken(refreshToken, { userId } = {}) {
      const found = await sessions.findRefreshToken(db, hashRefreshToken(refreshToken));
      if (!found || (userId !== undefined && found.user_id !== userId)) return null;
      const ended = await revokeWhere({ sessionId: found.session_id }, "logout");
      return ended.length > 0 ? { userId: found.user_id, sessionId: found.session_id } : null;
    },

    async revoke(userId, sessionId, reason) {
      return (await revokeWhere({ userId, sessionId }, reason)).length > 0;
    },

    async revokeAll(userId, reason, { exceptSessionId } = {}) {
      return revokeWhere({ userId, ...(exceptSessionId ? { exceptSessionId } : {}) }, reason);
    },

    async list(userId, currentSessionId) {
      return sessions.listLiveSessions(db, userId, clock.nowIso(), currentSessionId);
    },

    async findLive(sessionId) {
      return (await sessions.findLiveSession(db, sessionId, clock.nowIso())) ?? null;
    },

    async isLive(sessionId) {
      return sessions.isSessionLive(db, sessionId, clock.nowIso());
    },

    async revokedSince(since) {
      const rows = await sessions.findRecentlyRevoked(db, since.toISOString());
      return rows.map((row) => ({ id: row.id, revokedAt: row.revoked_at }));
    },

    async deleteEnded(before) {
      return sessions.deleteEndedSessions(db, before.toISOString());
    },
  };
}
