import { describeEachDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  postForm,
  registerAndLogin,
  startTestServer,
  type TestServer,
  type TokenPairBody,
  trpc,
} from "../testing/test-server.js";

interface User {
  id: string;
  username: string;
  role: string;
}

describeEachDatabase("administration", (current) => {
  let server: TestServer;
  let admin: string;
  let adminUser: User;
  beforeAll(async () => {
    server = await startTestServer(current());
    const first = await registerAndLogin(server);
    adminUser = first.user as User;
    // The role as the service sets it (no sessions end): the token keeps the role it was issued with.
    await server.running.deps.warden.users.setRole(first.user.id, "admin");
    expect(
      (await trpc(server, "admin.users.list", { query: true, token: first.tokens.accessToken }))
        .status,
    ).toBe(403);
    const relogin = await trpc<TokenPairBody>(server, "auth.login", {
      input: { username: first.user.username, password: first.password },
    });
    admin = relogin.data?.accessToken as string;
  });
  afterAll(async () => server?.close());

  it("non-admins are FORBIDDEN from admin.*", async () => {
    const { tokens } = await registerAndLogin(server);
    for (const [path, query] of [
      ["admin.users.list", true],
      ["admin.audit.list", true],
      ["admin.clients.list", true],
    ] as const) {
      expect((await trpc(server, path, { query, token: tokens.accessToken })).status).toBe(403);
    }
  });

  it("lists users with a cursor and searches by username, email or name", async () => {
    const someone = await registerAndLogin(server, { username: "Zebra_Crossing" });
    const page = await trpc<{ items: User[]; nextCursor: string | null }>(
      server,
      "admin.users.list",
      { query: true, token: admin, input: { limit: 1 } },
    );
    expect(page.data?.items).toHaveLength(1);
    expect(page.data?.nextCursor).toEqual(expect.any(String));
    const next = await trpc<{ items: User[] }>(server, "admin.users.list", {
      query: true,
      token: admin,
      input: { limit: 1, cursor: page.data?.nextCursor },
    });
    expect(next.data?.items[0]?.id).not.toBe(page.data?.items[0]?.id);
    const found = await trpc<{ items: User[] }>(server, "admin.users.list", {
      query: true,
      token: admin,
      input: { query: "zebra_" },
    });
    expect(found.data?.items.map((u) => u.id)).toEqual([someone.user.id]);
    const percent = await trpc<{ items: User[] }>(server, "admin.users.list", {
      query: true,
      token: admin,
      input: { query: "%" },
    });
    expect(percent.data?.items).toEqual([]);
  });

  it("setRole changes the role; the last admin cannot be demoted", async () => {
    const last = await trpc(server, "admin.users.setRole", {
      token: admin,
      input: { id: adminUser.id, role: "user" },
    });
    expect(last.status).toBe(409);
    const someone = await registerAndLogin(server);
    const promoted = await trpc<User>(server, "admin.users.setRole", {
      token: admin,
      input: { id: someone.user.id, role: "admin" },
    });
    expect(promoted.data?.role).toBe("admin");
    const demoted = await trpc<User>(server, "admin.users.setRole", {
      token: admin,
      input: { id: someone.user.id, role: "user" },
    });
    expect(demoted.data?.role).toBe("user");
    expect(
      (
        await trpc(server, "admin.users.setRole", {
          token: admin,
          input: { id: "missing", role: "user" },
        })
      ).status,
    ).toBe(404);
  });

  it("disabling ends every session at once and refuses login with the usual message", async () => {
    const victim = await registerAndLogin(server);
    expect(
      (await trpc(server, "users.me", { query: true, token: victim.tokens.accessToken })).status,
    ).toBe(200);
    const disabled = await trpc(server, "admin.users.setDisabled", {
      token: admin,
      input: { id: victim.user.id, disabled: true },
    });
    expect(disabled.status).toBe(200);
    expect(
      (await trpc(server, "users.me", { query: true, token: victim.tokens.accessToken })).status,
    ).toBe(401);
    expect(
      (await trpc(server, "auth.refresh", { input: { refreshToken: victim.tokens.refreshToken } }))
        .status,
    ).toBe(401);
    const login = await trpc(server, "auth.login", {
      input: { username: victim.user.username, password: victim.password },
    });
    const wrong = await trpc(server, "auth.login", {
      input: { username: victim.user.username, password: "not-the-password" },
    });
    expect(login.status).toBe(401);
    expect(login.error?.message).toBe(wrong.error?.message);
    await trpc(server, "admin.users.setDisabled", {
      token: admin,
      input: { id: victim.user.id, disabled: false },
    });
    expect(
      (
        await trpc(server, "auth.login", {
          input: { username: victim.user.username, password: victim.password },
        })
      ).status,
    ).toBe(200);
  });

  it("service clients: created with a secret shown once, listed without it, tokens by client_credentials, revoked", async () => {
    const created = await trpc<{
      clientId: string;
      clientSecret: string;
      name: string;
      scopes: string[];
    }>(server, "admin.clients.create", {
      token: admin,
      input: { name: "notes-service", scopes: ["users:read"] },
    });
    expect(created.data).toEqual({
      clientId: expect.any(String),
      clientSecret: expect.any(String),
      name: "notes-service",
      scopes: ["users:read"],
    });
    const { clientId, clientSecret } = created.data as { clientId: string; clientSecret: string };
    const listed = await trpc(server, "admin.clients.list", { query: true, token: admin });
    expect(listed.raw).toContain(clientId);
    expect(listed.raw).not.toContain(clientSecret);

    const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
    const token = await postForm(
      server,
      "/oauth/token",
      { grant_type: "client_credentials" },
      { authorization: basic },
    );
    expect(token.status).toBe(200);
    expect(token.body).toEqual({
      access_token: expect.any(String),
      token_type: "Bearer",
      expires_in: 900,
      scope: "users:read",
    });
    expect(token.body).not.toHaveProperty("refresh_token");
    const serviceToken = token.body.access_token as string;

    const inBody = await postForm(server, "/oauth/token", {
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
    });
    expect(inBody.status).toBe(200);
    const wrong = await postForm(server, "/oauth/token", {
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: "nope",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_client");
    const badScope = await postForm(
      server,
      "/oauth/token",
      { grant_type: "client_credentials", scope: "admin" },
      { authorization: basic },
    );
    expect(badScope.body.error).toBe("invalid_scope");

    // users.byId takes a service token with users:read; user-only and admin procedures refuse it.
    expect(
      (
        await trpc(server, "users.byId", {
          query: true,
          token: serviceToken,
          input: { id: adminUser.id },
        })
      ).status,
    ).toBe(200);
    expect((await trpc(server, "users.me", { query: true, token: serviceToken })).status).toBe(403);
    expect(
      (await trpc(server, "admin.users.list", { query: true, token: serviceToken })).status,
    ).toBe(403);

    const unscoped = await trpc<{ clientId: string; clientSecret: string }>(
      server,
      "admin.clients.create",
      { token: admin, input: { name: "no-scopes", scopes: [] } },
    );
    const unscopedToken = await postForm(server, "/oauth/token", {
      grant_type: "client_credentials",
      client_id: unscoped.data?.clientId as string,
      client_secret: unscoped.data?.clientSecret as string,
    });
    expect(
      (
        await trpc(server, "users.byId", {
          query: true,
          token: unscopedToken.body.access_token as string,
          input: { id: adminUser.id },
        })
      ).status,
    ).toBe(403);

    // Introspection: for authenticated clients only; anything not live is exactly { active: false }.
    const user = await registerAndLogin(server);
    const live = await postForm(
      server,
      "/oauth/introspect",
      { token: user.tokens.accessToken },
      { authorization: basic },
    );
    expect(live.body).toMatchObject({
      active: true,
      sub: user.user.id,
      exp: expect.any(Number),
      sid: expect.any(String),
    });
    await trpc(server, "auth.logout", { token: user.tokens.accessToken });
    expect(
      (
        await postForm(
          server,
          "/oauth/introspect",
          { token: user.tokens.accessToken },
          { authorization: basic },
        )
      ).body,
    ).toEqual({ active: false });
    expect(
      (await postForm(server, "/oauth/introspect", { token: "garbage" }, { authorization: basic }))
        .body,
    ).toEqual({ active: false });
    expect((await postForm(server, "/oauth/introspect", { token: serviceToken })).status).toBe(401);

    expect(
      (await trpc(server, "admin.clients.revoke", { token: admin, input: { clientId } })).data,
    ).toEqual({ ok: true });
    expect(
      (
        await trpc(server, "users.byId", {
          query: true,
          token: serviceToken,
          input: { id: adminUser.id },
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await postForm(
          server,
          "/oauth/token",
          { grant_type: "client_credentials" },
          { authorization: basic },
        )
      ).status,
    ).toBe(401);
    expect(
      (await trpc(server, "admin.clients.revoke", { token: admin, input: { clientId } })).status,
    ).toBe(404);
  });

  it("the audit trail records security events, newest first, filterable, without secrets", async () => {
    const someone = await registerAndLogin(server);
    await trpc(server, "auth.login", {
      input: { username: someone.user.username, password: "wrong-password-x" },
    });
    const events = await trpc<{ items: { kind: string; userId?: string }[] }>(
      server,
      "admin.audit.list",
      {
        query: true,
        token: admin,
        input: { userId: someone.user.id },
      },
    );
    expect(events.data?.items.map((e) => e.kind)).toEqual(["login.succeeded", "user.registered"]);
    const failures = await trpc<{ items: { kind: string }[] }>(server, "admin.audit.list", {
      query: true,
      token: admin,
      input: { kind: "login.failed", limit: 100 },
    });
    expect(failures.data?.items.length).toBeGreaterThan(0);
    const everything = await trpc(server, "admin.audit.list", {
      query: true,
      token: admin,
      input: { limit: 100 },
    });
    for (const kind of [
      "user.role_changed",
      "user.disabled",
      "user.enabled",
      "client.created",
      "client.revoked",
      "logout",
    ]) {
      expect(everything.raw).toContain(kind);
    }
    expect(everything.raw).not.toMatch(/tangerine|\$2b\$|eyJ/);
  });
});
