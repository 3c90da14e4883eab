import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import { AuthError } from "../errors.js";
import { newId } from "../ids.js";
import { generateRefreshToken, hashRefreshToken } from "../token/refresh-token.js";
import { type RevocationReason, type Session, toSession } from "./session.js";
import * as sessions from "./session.repository.js";

export interface SessionServiceOptions {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly refreshTokenTtlSeconds: number;
  /** Told of every session this process ends, so access tokens of it are refused at once. */
  readonly onRevoked: (sessionIds: readonly string[]) => void | Promise<void>;
}

export interface IssuedRefreshToken {
  readonly userId: string;
  readonly sessionId: string;
  readonly refreshToken: string;
  readonly refreshExpiresIn: number;
}

export interface SessionService {
  create(
    userId: string,
    client: { userAgent?: string | null; ip?: string | null },
  ): Promise<IssuedRefreshToken>;
  /**
   * Exchanges a refresh token for a new one in the same session. A token that
   * was already rotated is proof of theft (RFC 9700 §4.14): the whole session
   * ends. Throws INVALID_REFRESH_TOKEN; the `cause` says "reuse" for reuse.
   */
  rotate(refreshToken: string): Promise<IssuedRefreshToken>;
  /** Ends the session the refresh token belongs to; false if it was not live. */
  revokeByRefreshToken(refreshToken: string, options?: { userId?: string }): Promise<boolean>;
  /** Ends one session of `userId`; false when it is not theirs or not live. */
  revoke(userId: string, sessionId: string, reason: RevocationReason): Promise<boolean>;
  /** Ends every live session of the user but `exceptSessionId`; returns how many. */
  revokeAll(
    userId: string,
    reason: RevocationReason,
    options?: { exceptSessionId?: string },
  ): Promise<number>;
  list(userId: string, currentSessionId?: string): Promise<Session[]>;
  /** True while the session exists, is not revoked and has not expired (a database read). */
  isLive(sessionId: string): Promise<boolean>;
  /** Ids of sessions revoked after `since`, for warming a revocation cache. */
  revokedSince(since: Date): Promise<{ id: string; revokedAt: string }[]>;
  /** Deletes sessions that ended before `before`; returns how many. */
  deleteEnded(before: Date): Promise<number>;
}

export function createSessionService(options: SessionServiceOptions): SessionService {
  const { db, clock, refreshTokenTtlSeconds, onRevoked } = options;
  const expiresAt = (now: Date) =>
    new Date(now.getTime() + refreshTokenTtlSeconds * 1000).toISOString();

  async function revokeWhere(
    filter: Parameters<typeof sessions.revokeSessions>[1],
    reason: RevocationReason,
  ) {
    const ids = await sessions.revokeSessions(db, filter, { now: clock.nowIso(), reason });
    // Awaited, so that when the caller hears "done", every instance has been told.
    if (ids.length > 0) await onRevoked(ids);
    return ids;
  }

  const invalid = (cause?: string) => new AuthError("INVALID_REFRESH_TOKEN", { cause });

  return {
    async create(userId, client) {
      const now = clock.now();
      const refreshToken = generateRefreshToken();
      const session = {
        id: newId(),
        user_id: userId,
        created_at: now.toISOString(),
        last_used_at: now.toISOString(),
        expires_at: expiresAt(now),
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
        refreshExpiresIn: refreshTokenTtlSeconds,
      };
    },

    async rotate(refreshToken) {
      const hash = hashRefreshToken(refreshToken);
      const found = await sessions.findRefreshToken(db, hash);
      const now = clock.now();
      if (!found || found.session_revoked_at !== null) throw invalid();
      if (found.rotated_at !== null) {
        await revokeWhere({ sessionId: found.session_id }, "refresh_reuse");
        throw invalid("reuse");
      }
      if (found.expires_at <= now.toISOString()) throw invalid("expired");

      const next = generateRefreshToken();
      const nextExpiresAt = expiresAt(now);
      const outcome = await db.transaction().execute(async (trx) => {
        if (!(await sessions.markRotated(trx, hash, now.toISOString()))) return "lost" as const;
        if (
          !(await sessions.touchSession(trx, found.session_id, now.toISOString(), nextExpiresAt))
        ) {
          throw invalid();
        }
        await sessions.insertRefreshToken(trx, {
          hash: hashRefreshToken(next),
          sessionId: found.session_id,
          now: now.toISOString(),
          expiresAt: nextExpiresAt,
        });
        return "won" as const;
      });
      if (outcome === "lost") {
        // Another request rotated this token between our read and our write:
        // the same token was presented twice, which is reuse.
        await revokeWhere({ sessionId: found.session_id }, "refresh_reuse");
        throw invalid("reuse");
      }
      return {
        userId: found.user_id,
        sessionId: found.session_id,
        refreshToken: next,
        refreshExpiresIn: refreshTokenTtlSeconds,
      };
    },

    async revokeByRefreshToken(refreshToken, { userId } = {}) {
      const found = await sessions.findRefreshToken(db, hashRefreshToken(refreshToken));
      if (!found || (userId !== undefined && found.user_id !== userId)) return false;
      return (await revokeWhere({ sessionId: found.session_id }, "logout")).length > 0;
    },

    async revoke(userId, sessionId, reason) {
      return (await revokeWhere({ userId, sessionId }, reason)).length > 0;
    },

    async revokeAll(userId, reason, { exceptSessionId } = {}) {
      return (
        await revokeWhere({ userId, ...(exceptSessionId ? { exceptSessionId } : {}) }, reason)
      ).length;
    },

    async list(userId, currentSessionId) {
      const rows = await sessions.listLiveSessions(db, userId, clock.nowIso());
      return rows.map((row) => toSession(row, currentSessionId));
    },

    async isLive(sessionId) {
      const row = await sessions.findSession(db, sessionId);
      return row !== undefined && row.revoked_at === null && row.expires_at > clock.nowIso();
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
