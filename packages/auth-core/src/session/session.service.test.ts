import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { AuthError } from "../errors.js";
import { loadCommonPasswords } from "../password/password-policy.js";
import { describeEachDatabase } from "../testing/describe-each-database.js";
import { createManualClock, createTestWarden } from "../testing/test-warden.js";
import type { User } from "../user/user.js";
import type { Warden } from "../warden.js";
import type { IssuedRefreshToken, RefreshRotation } from "./session.service.js";

async function refreshError(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  expect((error as AuthError).code).toBe("INVALID_REFRESH_TOKEN");
  return error as AuthError;
}

function rotated(rotation: RefreshRotation): IssuedRefreshToken {
  if (rotation.outcome !== "rotated")
    throw new Error(`expected a rotation, got ${rotation.outcome}`);
  return rotation.issued;
}

const commonPasswords = loadCommonPasswords();

describeEachDatabase("sessions", (current) => {
  /** A Warden of its own (own clock, own revocation log) and a fresh user, for one test. */
  async function setUp(env: Record<string, string> = {}) {
    const clock = createManualClock(new Date());
    const revoked: string[] = [];
    const warden: Warden = await createTestWarden(current().database, {
      clock,
      env: { REFRESH_TOKEN_TTL: "1h", ...env },
      onSessionsRevoked: (ids) => revoked.push(...ids),
      commonPasswords,
    });
    const name = `u${randomUUID().slice(0, 8)}`;
    const user: User = await warden.users.register({
      username: name,
      email: `${name}@example.com`,
      name,
      password: "tangerine-orbit-47",
    });
    return { clock, revoked, warden, user };
  }

  it("rotates the refresh token and keeps the session", async () => {
    const { warden, user } = await setUp();
    const first = await warden.sessions.create(user.id, { userAgent: "test", ip: "127.0.0.1" });
    expect(Buffer.from(first.refreshToken, "base64url")).toHaveLength(32);
    const second = rotated(await warden.sessions.rotate(first.refreshToken));
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const third = rotated(await warden.sessions.rotate(second.refreshToken));
    expect(third.sessionId).toBe(first.sessionId);
  });

  it("a session ends at SESSION_MAX_AGE from its login, however often it is refreshed", async () => {
    const { warden, user, clock } = await setUp({ SESSION_MAX_AGE: "2h" });
    let issued = await warden.sessions.create(user.id, {});
    expect(issued.refreshExpiresIn).toBe(3600);
    const rotateAfter = async (seconds: number) => {
      clock.advance(seconds);
      issued = rotated(await warden.sessions.rotate(issued.refreshToken));
      return issued.refreshExpiresIn;
    };
    // At 50 and 100 minutes: a full hour, then what is left of the two hours; at 119, one minute.
    expect(await rotateAfter(50 * 60)).toBe(3600);
    expect(await rotateAfter(50 * 60)).toBe(20 * 60);
    expect(await rotateAfter(19 * 60)).toBe(60);
    clock.advance(61);
    await refreshError(warden.sessions.rotate(issued.refreshToken));
  });

  it("stores only a hash of the refresh token", async () => {
    const { warden, user } = await setUp();
    const issued = await warden.sessions.create(user.id, {});
    const rows = await current()
      .database.db.selectFrom("refresh_tokens")
      .select("token_hash")
      .where("session_id", "=", issued.sessionId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).not.toBe(issued.refreshToken);
    expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reuse of a rotated token ends the session and says whose: the newest token dies too", async () => {
    const { warden, user, revoked } = await setUp();
    const first = await warden.sessions.create(user.id, {});
    const second = rotated(await warden.sessions.rotate(first.refreshToken));
    expect(await warden.sessions.rotate(first.refreshToken)).toEqual({
      outcome: "reused",
      userId: user.id,
      sessionId: first.sessionId,
    });
    expect(revoked).toEqual([first.sessionId]);
    await refreshError(warden.sessions.rotate(second.refreshToken));
    expect(await warden.sessions.isLive(first.sessionId)).toBe(false);
  });

  it("two concurrent rotations of one token: exactly one wins, the other is reuse", async () => {
    const { warden, user } = await setUp();
    const issued = await warden.sessions.create(user.id, {});
    const outcomes = await Promise.all([
      warden.sessions.rotate(issued.refreshToken),
      warden.sessions.rotate(issued.refreshToken),
    ]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["reused", "rotated"]);
    expect(await warden.sessions.isLive(issued.sessionId)).toBe(false);
  });

  it("refuses a garbage token and a token past its expiry", async () => {
    const { warden, user, clock } = await setUp();
    await refreshError(warden.sessions.rotate("not-a-token"));
    const issued = await warden.sessions.create(user.id, {});
    clock.advance(3599);
    const fresh = await warden.sessions.create(user.id, {});
    clock.advance(2);
    await refreshError(warden.sessions.rotate(issued.refreshToken));
    // The control: a token not yet past its expiry still rotates at the same moment.
    rotated(await warden.sessions.rotate(fresh.refreshToken));
  });

  it("lists live sessions with the current one marked, and revokes only the owner's", async () => {
    const { warden, user } = await setUp();
    const { user: other } = await setUp();
    const a = await warden.sessions.create(other.id, { userAgent: "cli", ip: "10.0.0.1" });
    const b = await warden.sessions.create(other.id, { userAgent: "web", ip: "10.0.0.2" });
    const list = await warden.sessions.list(other.id, a.sessionId);
    expect(list.map((s) => [s.id, s.current]).sort()).toEqual(
      [
        [a.sessionId, true],
        [b.sessionId, false],
      ].sort(),
    );
    expect(list.find((s) => s.id === b.sessionId)).toMatchObject({
      userAgent: "web",
      ip: "10.0.0.2",
    });

    expect(await warden.sessions.revoke(user.id, b.sessionId, "revoked")).toBe(false);
    expect(await warden.sessions.revoke(other.id, b.sessionId, "revoked")).toBe(true);
    expect((await warden.sessions.list(other.id)).map((s) => s.id)).toEqual([a.sessionId]);
    await refreshError(warden.sessions.rotate(b.refreshToken));
  });

  it("revokeAll ends every session but the one kept, and names each", async () => {
    const { warden, user } = await setUp();
    const keep = await warden.sessions.create(user.id, {});
    const b = await warden.sessions.create(user.id, {});
    const c = await warden.sessions.create(user.id, {});
    const ended = await warden.sessions.revokeAll(user.id, "password_change", {
      exceptSessionId: keep.sessionId,
    });
    expect(ended.sort()).toEqual([b.sessionId, c.sessionId].sort());
    expect((await warden.sessions.list(user.id)).map((s) => s.id)).toEqual([keep.sessionId]);
  });

  it("deletes ended sessions, and only those, so the table does not grow without bound", async () => {
    const { warden, user, clock } = await setUp();
    const ended = await warden.sessions.create(user.id, {});
    await warden.sessions.revoke(user.id, ended.sessionId, "logout");
    const expired = await warden.sessions.create(user.id, {});
    clock.advance(7200);
    const live = await warden.sessions.create(user.id, {});
    const count = (ids: string[]) =>
      current()
        .database.db.selectFrom("sessions")
        .select("id")
        .where("id", "in", ids)
        .execute()
        .then((rows) => rows.map((row) => row.id));
    await warden.sessions.deleteEnded(new Date(clock.now().getTime() - 1000));
    expect(await count([ended.sessionId, expired.sessionId, live.sessionId])).toEqual([
      live.sessionId,
    ]);
  });
});
