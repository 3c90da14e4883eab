import { type AuditKind, parseConfig } from "@warden/auth-core";
import { describeEachDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bootstrap, type Running } from "../bootstrap.js";
import { createInnerContext } from "../context.js";
import { createLogger } from "../logger.js";
import { appRouter } from "../router.js";
import { createCallerFactory } from "../trpc.js";

/*
 * The use cases behind the procedures, called through tRPC's server-side
 * caller over the inner context: no HTTP, since nothing here depends on it.
 * Each checks what a user or an admin would see afterwards and the audit
 * event it leaves.
 */
const createCaller = createCallerFactory(appRouter);

describeEachDatabase("use cases through createCaller", (current) => {
  let running: Running;
  let counter = 0;

  beforeAll(async () => {
    const config = parseConfig({
      DATABASE_URL: current().url,
      BCRYPT_COST: "10",
      WARDEN_ISSUER: "http://warden.test",
    });
    running = await bootstrap(config, createLogger("silent"));
  });
  afterAll(async () => running?.close());

  const anonymous = () =>
    createCaller(createInnerContext(running.deps, { ip: "192.0.2.7", requestId: "req-anon" }));
  const as = (accessToken: string) =>
    createCaller(
      createInnerContext(running.deps, {
        ip: "192.0.2.7",
        authorization: `Bearer ${accessToken}`,
        requestId: "req-user",
      }),
    );

  async function newUser() {
    counter += 1;
    const username = `caller${counter}_${Date.now().toString(36)}`;
    const password = "tangerine-orbit-47";
    const user = await anonymous().auth.register({
      username,
      email: `${username}@example.com`,
      name: username,
      password,
    });
    const login = async () => {
      const result = await anonymous().auth.login({ username, password });
      if ("mfaRequired" in result) throw new Error("no two-factor login was set up");
      return result;
    };
    const tokens = await login();
    const sessionId = (await as(tokens.accessToken).sessions.list()).find((s) => s.current)?.id;
    return { user, password, tokens, sessionId: sessionId as string, login };
  }

  async function newAdmin() {
    const account = await newUser();
    await running.deps.warden.users.setRole(account.user.id, "admin");
    // Tokens carry the role they were issued with: log in again for an admin's.
    return { ...account, tokens: await account.login() };
  }

  async function lastEvent(kind: AuditKind, userId: string) {
    const page = await running.deps.warden.audit.list({ limit: 1, kind, userId });
    return page.items[0];
  }

  async function works(accessToken: string): Promise<boolean> {
    return as(accessToken)
      .users.me()
      .then(
        () => true,
        () => false,
      );
  }

  it("register and login are recorded with the request's IP and id", async () => {
    const { user, sessionId } = await newUser();
    expect(await lastEvent("user.registered", user.id)).toMatchObject({
      ip: "192.0.2.7",
      detail: { requestId: "req-anon" },
    });
    expect(await lastEvent("login.succeeded", user.id)).toMatchObject({
      detail: { sessionId, requestId: "req-anon" },
    });
  });

  it("changing the password ends the other sessions, keeps this one, and names it", async () => {
    const account = await newUser();
    const other = await account.login();
    await as(account.tokens.accessToken).users.changePassword({
      currentPassword: account.password,
      newPassword: "juniper-cascade-93",
    });
    expect(await works(account.tokens.accessToken)).toBe(true);
    expect(await works(other.accessToken)).toBe(false);
    expect(await lastEvent("password.changed", account.user.id)).toMatchObject({
      detail: { sessionId: account.sessionId, sessionsEnded: 1, requestId: "req-user" },
    });
  });

  it("ending one session and all the others names the sessions ended", async () => {
    const account = await newUser();
    const second = await account.login();
    const third = await account.login();
    const secondId = (await as(second.accessToken).sessions.list()).find((s) => s.current)?.id;
    await as(account.tokens.accessToken).sessions.revoke({ id: secondId as string });
    expect(await works(second.accessToken)).toBe(false);
    expect(await lastEvent("session.revoked", account.user.id)).toMatchObject({
      detail: { sessionId: secondId },
    });

    const thirdId = (await as(third.accessToken).sessions.list()).find((s) => s.current)?.id;
    expect(await as(account.tokens.accessToken).sessions.revokeAll()).toEqual({ revoked: 1 });
    expect(await works(third.accessToken)).toBe(false);
    expect(await works(account.tokens.accessToken)).toBe(true);
    expect(await lastEvent("session.revoked", account.user.id)).toMatchObject({
      detail: { count: 1, sessionIds: thirdId, keptSessionId: account.sessionId },
    });
  });

  it("disabling a user ends their sessions at once and records who did it", async () => {
    const admin = await newAdmin();
    const target = await newUser();
    await as(admin.tokens.accessToken).admin.users.setDisabled({
      id: target.user.id,
      disabled: true,
    });
    expect(await works(target.tokens.accessToken)).toBe(false);
    expect(await lastEvent("user.disabled", target.user.id)).toMatchObject({
      detail: { by: admin.user.id, sessionsEnded: 1 },
    });
    await expect(
      as(admin.tokens.accessToken).admin.users.setDisabled({ id: admin.user.id, disabled: true }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("setting a role is recorded with the role and who set it", async () => {
    const admin = await newAdmin();
    const target = await newUser();
    const updated = await as(admin.tokens.accessToken).admin.users.setRole({
      id: target.user.id,
      role: "admin",
    });
    expect(updated.role).toBe("admin");
    expect(await lastEvent("user.role_changed", target.user.id)).toMatchObject({
      detail: { role: "admin", by: admin.user.id },
    });
  });

  it("creating and revoking a client are recorded; the revoked client cannot authenticate", async () => {
    const admin = await newAdmin();
    const created = await as(admin.tokens.accessToken).admin.clients.create({
      name: "reports",
      scopes: ["users:read"],
    });
    await as(admin.tokens.accessToken).admin.clients.revoke({ clientId: created.clientId });
    const page = await running.deps.warden.audit.list({ limit: 50 });
    const about = page.items.filter((event) => event.clientId === created.clientId);
    expect(about.map((event) => event.kind)).toEqual(["client.revoked", "client.created"]);
    expect(JSON.stringify(about)).not.toContain(created.clientSecret);
    await expect(
      running.deps.useCases.authenticateClient(
        { clientId: created.clientId, clientSecret: created.clientSecret },
        { ip: "192.0.2.8" },
      ),
    ).rejects.toMatchObject({ code: "INVALID_CLIENT" });
  });
});
