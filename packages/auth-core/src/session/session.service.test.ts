import { beforeAll, expect, it } from "vitest";
import { AuthError } from "../errors.js";
import { describeEachDatabase } from "../testing/describe-each-database.js";
import { createManualClock, createTestWarden } from "../testing/test-warden.js";
import type { User } from "../user/user.js";
import type { Warden } from "../warden.js";

async function refreshError(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  expect((error as AuthError).code).toBe("INVALID_REFRESH_TOKEN");
  return error as AuthError;
}

describeEachDatabase("sessions", (current) => {
  let warden: Warden;
  let user: User;
  const clock = createManualClock(new Date());
  const revoked: string[] = [];

  beforeAll(async () => {
    warden = await createTestWarden(current().database, {
      clock,
      env: { REFRESH_TOKEN_TTL: "1h" },
      onSessionsRevoked: (ids) => revoked.push(...ids),
    });
    user = await warden.users.register({
      username: "sam",
      email: "sam@example.com",
      name: "Sam",
      password: "tangerine-orbit-47",
    });
  });

  it("rotates the refresh token and keeps the session", async () => {
    const first = await warden.sessions.create(user.id, { userAgent: "test", ip: "127.0.0.1" });
    expect(Buffer.from(first.refreshToken, "base64url")).toHaveLength(32);
    const second = await warden.sessions.rotate(first.refreshToken);
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const third = await warden.sessions.rotate(second.refreshToken);
    expect(third.sessionId).toBe(first.sessionId);
  });

  it("stores only a hash of the refresh token", async () => {
    const issued = await warden.sessions.create(user.id, {});
    const rows = await current()
      .database.db.selectFrom("refresh_tokens")
      .select("token_hash")
      .execute();
    expect(rows.some((row) => row.token_hash === issued.refreshToken)).toBe(false);
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.token_hash))).toBe(true);
  });

  it("reuse of a rotated token ends the session: the newest token dies too", async () => {
    const first = await warden.sessions.create(user.id, {});
    const second = await warden.sessions.rotate(first.refreshToken);
    const error = await refreshError(warden.sessions.rotate(first.refreshToken));
    expect(error.cause).toBe("reuse");
    expect(revoked).toContain(first.sessionId);
    await refreshError(warden.sessions.rotate(second.refreshToken));
    expect(await warden.sessions.isLive(first.sessionId)).toBe(false);
  });

  it("two concurrent rotations of one token: exactly one wins", async () => {
    const issued = await warden.sessions.create(user.id, {});
    const outcomes = await Promise.allSettled([
      warden.sessions.rotate(issued.refreshToken),
      warden.sessions.rotate(issued.refreshToken),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const failure = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect((failure.reason as AuthError).code).toBe("INVALID_REFRESH_TOKEN");
  });

  it("refuses a garbage token and a token past its expiry", async () => {
    await refreshError(warden.sessions.rotate("not-a-token"));
    const issued = await warden.sessions.create(user.id, {});
    clock.advance(3601);
    await refreshError(warden.sessions.rotate(issued.refreshToken));
  });

  it("lists live sessions with the current one marked, and revokes only the owner's", async () => {
    const other = await warden.users.register({
      username: "tess",
      email: "tess@example.com",
      name: "Tess",
      password: "tangerine-orbit-47",
    });
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

  it("revokeAll ends every session but the one kept", async () => {
    const keep = await warden.sessions.create(user.id, {});
    await warden.sessions.create(user.id, {});
    await warden.sessions.create(user.id, {});
    const ended = await warden.sessions.revokeAll(user.id, "password_change", {
      exceptSessionId: keep.sessionId,
    });
    expect(ended).toBeGreaterThanOrEqual(2);
    expect((await warden.sessions.list(user.id)).map((s) => s.id)).toEqual([keep.sessionId]);
  });

  it("deletes ended sessions so the table does not grow without bound", async () => {
    clock.advance(7200);
    const deleted = await warden.sessions.deleteEnded(new Date(clock.now().getTime() - 1000));
    expect(deleted).toBeGreaterThan(0);
  });
});
