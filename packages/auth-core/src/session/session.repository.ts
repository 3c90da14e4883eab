import type { Kysely, Transaction } from "kysely";
import type { Database, SessionRow } from "../db/schema.js";
import type { Session } from "./session.js";

type Db = Kysely<Database> | Transaction<Database>;

export async function insertSession(
  db: Kysely<Database>,
  session: SessionRow,
  refreshToken: { hash: string; expiresAt: string },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto("sessions").values(session).execute();
    await trx
      .insertInto("refresh_tokens")
      .values({
        token_hash: refreshToken.hash,
        session_id: session.id,
        created_at: session.created_at,
        expires_at: refreshToken.expiresAt,
        rotated_at: null,
      })
      .execute();
  });
}

export interface RefreshTokenLookup {
  session_id: string;
  user_id: string;
  expires_at: string;
  rotated_at: string | null;
  session_revoked_at: string | null;
  session_created_at: string;
}

export async function findRefreshToken(
  db: Db,
  tokenHash: string,
): Promise<RefreshTokenLookup | undefined> {
  return db
    .selectFrom("refresh_tokens")
    .innerJoin("sessions", "sessions.id", "refresh_tokens.session_id")
    .select([
      "refresh_tokens.session_id",
      "sessions.user_id",
      "refresh_tokens.expires_at",
      "refresh_tokens.rotated_at",
      "sessions.revoked_at as session_revoked_at",
      "sessions.created_at as session_created_at",
    ])
    .where("refresh_tokens.token_hash", "=", tokenHash)
    .executeTakeFirst();
}

/**
 * Replaces a refresh token by the next one in one transaction: the old one is
 * marked rotated, the session touched, the new one stored. Returns "lost" when
 * another request rotated the same token first (the same token was presented
 * twice), "ended" when the session ended meanwhile.
 */
export async function rotateRefreshToken(
  db: Kysely<Database>,
  rotation: {
    tokenHash: string;
    nextHash: string;
    sessionId: string;
    now: string;
    expiresAt: string;
  },
): Promise<"rotated" | "lost" | "ended"> {
  return db
    .transaction()
    .execute(async (trx) => {
      if (!(await markRotated(trx, rotation.tokenHash, rotation.now))) return "lost";
      if (!(await touchSession(trx, rotation.sessionId, rotation.now, rotation.expiresAt))) {
        // Rolls back the mark: nothing of a rotation into an ended session remains.
        throw new SessionEnded();
      }
      await insertRefreshToken(trx, {
        hash: rotation.nextHash,
        sessionId: rotation.sessionId,
        now: rotation.now,
        expiresAt: rotation.expiresAt,
      });
      return "rotated" as const;
    })
    .catch((error: unknown) => {
      if (error instanceof SessionEnded) return "ended" as const;
      throw error;
    });
}

class SessionEnded extends Error {}

/**
 * The compare-and-set at the heart of rotation: marks the token rotated only
 * if nobody has yet. Returns false when another request got there first. The
 * row lock taken by the UPDATE serialises concurrent callers on PostgreSQL and
 * MySQL; SQLite serialises all writes.
 */
async function markRotated(trx: Db, tokenHash: string, now: string): Promise<boolean> {
  const result = await trx
    .updateTable("refresh_tokens")
    .set({ rotated_at: now })
    .where("token_hash", "=", tokenHash)
    .where("rotated_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

async function insertRefreshToken(
  trx: Db,
  token: { hash: string; sessionId: string; now: string; expiresAt: string },
): Promise<void> {
  await trx
    .insertInto("refresh_tokens")
    .values({
      token_hash: token.hash,
      session_id: token.sessionId,
      created_at: token.now,
      expires_at: token.expiresAt,
      rotated_at: null,
    })
    .execute();
}

/** Returns false when the session is gone or already revoked. */
async function touchSession(
  trx: Db,
  sessionId: string,
  now: string,
  expiresAt: string,
): Promise<boolean> {
  const result = await trx
    .updateTable("sessions")
    .set({ last_used_at: now, expires_at: expiresAt })
    .where("id", "=", sessionId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The owner and expiry of a session live at `now`, or undefined. */
export async function findLiveSession(
  db: Db,
  sessionId: string,
  now: string,
): Promise<{ userId: string; expiresAt: string } | undefined> {
  const row = await db
    .selectFrom("sessions")
    .select(["user_id", "expires_at"])
    .where("id", "=", sessionId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row ? { userId: row.user_id, expiresAt: row.expires_at } : undefined;
}

/** True while the session exists, is not revoked and has not expired at `now`. */
export async function isSessionLive(db: Db, sessionId: string, now: string): Promise<boolean> {
  const row = await db
    .selectFrom("sessions")
    .select("id")
    .where("id", "=", sessionId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row !== undefined;
}

/** Revokes the given live sessions; returns the ids it revoked. */
export async function revokeSessions(
  db: Kysely<Database>,
  filter: { userId?: string; sessionId?: string; exceptSessionId?: string },
  revocation: { now: string; reason: string },
): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    let select = trx.selectFrom("sessions").select("id").where("revoked_at", "is", null);
    if (filter.userId !== undefined) select = select.where("user_id", "=", filter.userId);
    if (filter.sessionId !== undefined) select = select.where("id", "=", filter.sessionId);
    if (filter.exceptSessionId !== undefined)
      select = select.where("id", "!=", filter.exceptSessionId);
    const ids = (await select.execute()).map((row) => row.id);
    if (ids.length === 0) return [];
    await trx
      .updateTable("sessions")
      .set({ revoked_at: revocation.now, revoked_reason: revocation.reason })
      .where("id", "in", ids)
      .where("revoked_at", "is", null)
      .execute();
    await trx.deleteFrom("refresh_tokens").where("session_id", "in", ids).execute();
    return ids;
  });
}

export async function listLiveSessions(
  db: Db,
  userId: string,
  now: string,
  currentSessionId?: string,
): Promise<Session[]> {
  const rows = await db
    .selectFrom("sessions")
    .selectAll()
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("last_used_at", "desc")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    userAgent: row.user_agent,
    ip: row.ip,
    current: row.id === currentSessionId,
  }));
}

/** Sessions revoked since `since`: what a fresh process must still refuse tokens for. */
export async function findRecentlyRevoked(
  db: Db,
  since: string,
): Promise<{ id: string; revoked_at: string }[]> {
  const rows = await db
    .selectFrom("sessions")
    .select(["id", "revoked_at"])
    .where("revoked_at", ">", since)
    .execute();
  return rows.map((row) => ({ id: row.id, revoked_at: row.revoked_at as string }));
}

/** Deletes sessions that ended long enough ago that no token of theirs can be alive. */
export async function deleteEndedSessions(db: Db, before: string): Promise<number> {
  const result = await db
    .deleteFrom("sessions")
    .where((eb) => eb.or([eb("expires_at", "<", before), eb("revoked_at", "<", before)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
