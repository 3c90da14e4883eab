import { describeEachDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  registerAndLogin,
  startTestServer,
  type TestServer,
  type TokenPairBody,
  trpc,
} from "../testing/test-server.js";

describeEachDatabase("auth over HTTP", (current) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(current());
  });
  afterAll(async () => server?.close());

  it("system.health and system.hello answer", async () => {
    expect((await trpc(server, "system.health", { query: true })).data).toEqual({
      status: "ok",
      database: "ok",
      version: expect.any(String),
    });
    expect(
      (await trpc(server, "system.hello", { query: true, input: { name: "Ada" } })).data,
    ).toEqual({ message: "Hello, Ada!" });
  });

  it("registers, logs in, and reads users.me; no response carries a hash", async () => {
    const registered = await trpc(server, "auth.register", {
      input: {
        username: "Alice",
        email: "alice@example.com",
        name: "Alice",
        password: "tangerine-orbit-47",
      },
    });
    expect(registered.status).toBe(200);
    expect(registered.data).toEqual({
      id: expect.any(String),
      username: "Alice",
      email: "alice@example.com",
      name: "Alice",
      role: "user",
      emailVerified: false,
      twoFactorEnabled: false,
      createdAt: expect.any(String),
    });
    const login = await trpc<TokenPairBody>(server, "auth.login", {
      input: { username: "alice@EXAMPLE.com", password: "tangerine-orbit-47" },
    });
    expect(login.data).toEqual({
      accessToken: expect.any(String),
      tokenType: "Bearer",
      expiresIn: 900,
      refreshToken: expect.any(String),
      refreshExpiresIn: 30 * 86400,
    });
    const me = await trpc(server, "users.me", {
      query: true,
      token: login.data?.accessToken as string,
    });
    expect(me.data).toEqual(registered.data);
    for (const raw of [registered.raw, login.raw, me.raw])
      expect(raw).not.toMatch(/\$2[aby]\$|bcrypt|password_hash/);
  });

  it("a taken username is CONFLICT (409); bad input is BAD_REQUEST naming each field", async () => {
    const taken = await trpc(server, "auth.register", {
      input: {
        username: "ALICE",
        email: "other@example.com",
        name: "A",
        password: "tangerine-orbit-47",
      },
    });
    expect(taken.status).toBe(409);
    expect(taken.error?.data.code).toBe("CONFLICT");

    const bad = await trpc(server, "auth.register", {
      input: { username: "a", email: "nope", name: "", password: "x" },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.error?.data.fieldErrors ?? {}).sort()).toEqual([
      "email",
      "name",
      "username",
    ]);

    const common = await trpc(server, "auth.register", {
      input: { username: "bobby", email: "bobby@example.com", name: "Bob", password: "password1" },
    });
    expect(common.error?.data.fieldErrors).toEqual({ password: [expect.stringMatching(/common/)] });
  });

  it("an unknown user and a wrong password get the same 401 and message", async () => {
    const unknown = await trpc(server, "auth.login", {
      input: { username: "nobody-here", password: "tangerine-orbit-47" },
    });
    const wrong = await trpc(server, "auth.login", {
      input: { username: "alice", password: "wrong-password-1" },
    });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.error?.message).toBe(wrong.error?.message);
  });

  it("a missing token gets a bare Bearer challenge; a bad one invalid_token", async () => {
    const missing = await trpc(server, "users.me", { query: true });
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe("Bearer");
    for (const authorization of ["Bearer nonsense", "Basic abc", "Bearer a.b.c", "Bearer "]) {
      const refused = await trpc(server, "users.me", { query: true, headers: { authorization } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    }
  });

  it("the token is read only from the Authorization header", async () => {
    const { tokens } = await registerAndLogin(server);
    const response = await fetch(`${server.url}/trpc/users.me?access_token=${tokens.accessToken}`);
    expect(response.status).toBe(401);
  });

  it("auth.verify returns the user and the claims", async () => {
    const { tokens, user } = await registerAndLogin(server);
    const verified = await trpc<{
      valid: boolean;
      user: { id: string };
      claims: Record<string, unknown>;
    }>(server, "auth.verify", {
      query: true,
      token: tokens.accessToken,
    });
    expect(verified.data?.valid).toBe(true);
    expect(verified.data?.user.id).toBe(user.id);
    expect(verified.data?.claims).toMatchObject({
      sub: user.id,
      iss: "http://warden.test",
      sid: expect.any(String),
      role: "user",
    });
  });

  it("users.byId returns exactly the four public fields, and NOT_FOUND for an unknown id", async () => {
    const a = await registerAndLogin(server);
    const b = await registerAndLogin(server);
    const found = await trpc<Record<string, unknown>>(server, "users.byId", {
      query: true,
      token: a.tokens.accessToken,
      input: { id: b.user.id },
    });
    expect(Object.keys(found.data ?? {}).sort()).toEqual(["createdAt", "id", "name", "username"]);
    const missing = await trpc(server, "users.byId", {
      query: true,
      token: a.tokens.accessToken,
      input: { id: "no-such-id" },
    });
    expect(missing.status).toBe(404);
  });

  it("refresh rotates and keeps the session; reusing the old token ends the session at once", async () => {
    const { tokens } = await registerAndLogin(server);
    const refreshed = await trpc<TokenPairBody>(server, "auth.refresh", {
      input: { refreshToken: tokens.refreshToken },
    });
    expect(refreshed.data?.refreshToken).not.toBe(tokens.refreshToken);
    const sid = (token: string) =>
      JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString()).sid;
    expect(sid(refreshed.data?.accessToken as string)).toBe(sid(tokens.accessToken));

    const reused = await trpc(server, "auth.refresh", {
      input: { refreshToken: tokens.refreshToken },
    });
    expect(reused.status).toBe(401);
    const newest = await trpc(server, "auth.refresh", {
      input: { refreshToken: refreshed.data?.refreshToken },
    });
    expect(newest.status).toBe(401);
    const me = await trpc(server, "users.me", {
      query: true,
      token: refreshed.data?.accessToken as string,
    });
    expect(me.status).toBe(401);
  });

  it("logout refuses the session's access token on the very next request", async () => {
    const { tokens } = await registerAndLogin(server);
    expect(
      (await trpc(server, "users.me", { query: true, token: tokens.accessToken })).status,
    ).toBe(200);
    const out = await trpc(server, "auth.logout", {
      token: tokens.accessToken,
      input: { refreshToken: tokens.refreshToken },
    });
    expect(out.data).toEqual({ ok: true });
    const after = await trpc(server, "users.me", { query: true, token: tokens.accessToken });
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect(
      (await trpc(server, "auth.refresh", { input: { refreshToken: tokens.refreshToken } })).status,
    ).toBe(401);
  });

  it("sessions: list marks the current one; revoking another user's is NOT_FOUND; revokeAll keeps the caller's", async () => {
    const { tokens, user, password } = await registerAndLogin(server);
    const second = await trpc<TokenPairBody>(server, "auth.login", {
      input: { username: user.username, password },
      headers: { "user-agent": "second-device" },
    });
    const list = await trpc<{ id: string; current: boolean; userAgent: string | null }[]>(
      server,
      "sessions.list",
      { query: true, token: tokens.accessToken },
    );
    expect(list.data).toHaveLength(2);
    expect(list.data?.filter((s) => s.current)).toHaveLength(1);
    const other = list.data?.find((s) => !s.current);
    expect(other?.userAgent).toBe("second-device");

    const stranger = await registerAndLogin(server);
    const foreign = await trpc(server, "sessions.revoke", {
      token: stranger.tokens.accessToken,
      input: { id: other?.id },
    });
    expect(foreign.status).toBe(404);

    const revoked = await trpc(server, "sessions.revoke", {
      token: tokens.accessToken,
      input: { id: other?.id },
    });
    expect(revoked.data).toEqual({ ok: true });
    expect(
      (await trpc(server, "users.me", { query: true, token: second.data?.accessToken as string }))
        .status,
    ).toBe(401);
    const again = await trpc(server, "sessions.revoke", {
      token: tokens.accessToken,
      input: { id: other?.id },
    });
    expect(again.status).toBe(404);

    await trpc(server, "auth.login", { input: { username: user.username, password } });
    await trpc(server, "auth.login", { input: { username: user.username, password } });
    const all = await trpc(server, "sessions.revokeAll", { token: tokens.accessToken });
    expect(all.data).toEqual({ revoked: 2 });
    expect(
      (await trpc<unknown[]>(server, "sessions.list", { query: true, token: tokens.accessToken }))
        .data,
    ).toHaveLength(1);
  });

  it("changePassword: a wrong current password names the field; success ends every other session", async () => {
    const { tokens, user, password } = await registerAndLogin(server);
    const other = await trpc<TokenPairBody>(server, "auth.login", {
      input: { username: user.username, password },
    });
    const wrong = await trpc(server, "users.changePassword", {
      token: tokens.accessToken,
      input: { currentPassword: "not-my-password", newPassword: "kettle-mountain-93" },
    });
    expect(wrong.status).toBe(400);
    expect(Object.keys(wrong.error?.data.fieldErrors ?? {})).toEqual(["currentPassword"]);

    const changed = await trpc(server, "users.changePassword", {
      token: tokens.accessToken,
      input: { currentPassword: password, newPassword: "kettle-mountain-93" },
    });
    expect(changed.data).toEqual({ ok: true });
    expect(
      (await trpc(server, "users.me", { query: true, token: tokens.accessToken })).status,
    ).toBe(200);
    expect(
      (await trpc(server, "users.me", { query: true, token: other.data?.accessToken as string }))
        .status,
    ).toBe(401);
    expect(
      (await trpc(server, "auth.login", { input: { username: user.username, password } })).status,
    ).toBe(401);
    expect(
      (
        await trpc(server, "auth.login", {
          input: { username: user.username, password: "kettle-mountain-93" },
        })
      ).status,
    ).toBe(200);
  });

  it("ten failed logins lock the account whatever the password, with Retry-After", async () => {
    const { user, password } = await registerAndLogin(server);
    for (let i = 0; i < 10; i += 1) {
      expect(
        (
          await trpc(server, "auth.login", {
            input: { username: user.username, password: "wrong-guess-123" },
          })
        ).status,
      ).toBe(401);
    }
    const locked = await trpc(server, "auth.login", {
      input: { username: user.username, password },
    });
    expect(locked.status).toBe(429);
    expect(locked.error?.data.code).toBe("TOO_MANY_REQUESTS");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("batching stays on", async () => {
    const response = await fetch(
      `${server.url}/trpc/system.hello,system.health?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: { name: "B" } }))}`,
    );
    const body = (await response.json()) as { result: { data: unknown } }[];
    expect(body.map((entry) => entry.result.data)).toEqual([
      { message: "Hello, B!" },
      expect.objectContaining({ status: "ok" }),
    ]);
  });
});
