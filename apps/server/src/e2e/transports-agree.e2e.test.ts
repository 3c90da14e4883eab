import type { AuditEvent, AuditKind } from "@warden/auth-core";
import { describeEachDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  postForm,
  registerAdmin,
  registerAndLogin,
  startTestServer,
  type TestServer,
  trpc,
} from "../testing/test-server.js";

/*
 * The same action through tRPC and through the OAuth endpoints runs the same
 * use case: the same outcome for the caller's session, and the same audit
 * event, naming the user and the session.
 */
describeEachDatabase("tRPC and OAuth agree", (current) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(current());
  });
  afterAll(async () => server?.close());

  /** The newest events of `kind` about `userId` (or, for clients, all of them). */
  async function events(kind: AuditKind, userId?: string): Promise<AuditEvent[]> {
    const page = await server.running.deps.warden.audit.list({ limit: 100, kind, userId });
    return page.items;
  }

  /** A fresh user's login, with the session id its access token carries. */
  async function loggedIn() {
    const { user, tokens } = await registerAndLogin(server);
    const payload = JSON.parse(
      Buffer.from(tokens.accessToken.split(".")[1] as string, "base64url").toString("utf8"),
    ) as { sid: string };
    return { userId: user.id, sessionId: payload.sid, tokens };
  }

  async function isSessionLive(accessToken: string): Promise<boolean> {
    const me = await trpc(server, "users.me", { query: true, token: accessToken });
    return me.status === 200;
  }

  describe("a reused refresh token", () => {
    it("through auth.refresh: 401, the session ends, refresh.reused names user and session", async () => {
      const { userId, sessionId, tokens } = await loggedIn();
      const rotated = await trpc(server, "auth.refresh", {
        input: { refreshToken: tokens.refreshToken },
      });
      expect(rotated.status).toBe(200);
      const reused = await trpc(server, "auth.refresh", {
        input: { refreshToken: tokens.refreshToken },
      });
      expect(reused.status).toBe(401);
      expect(reused.error?.data.code).toBe("UNAUTHORIZED");
      expect(await isSessionLive(tokens.accessToken)).toBe(false);
      expect(await events("refresh.reused", userId)).toEqual([
        expect.objectContaining({
          userId,
          ip: "127.0.0.1",
          detail: { sessionId, requestId: expect.any(String) },
        }),
      ]);
    });

    it("through the OAuth refresh grant: invalid_grant, the same ending, the same event", async () => {
      const { userId, sessionId, tokens } = await loggedIn();
      const grant = { grant_type: "refresh_token", refresh_token: tokens.refreshToken };
      expect((await postForm(server, "/oauth/token", grant)).status).toBe(200);
      const reused = await postForm(server, "/oauth/token", grant);
      expect(reused.status).toBe(400);
      expect(reused.body.error).toBe("invalid_grant");
      expect(await isSessionLive(tokens.accessToken)).toBe(false);
      expect(await events("refresh.reused", userId)).toEqual([
        expect.objectContaining({
          userId,
          ip: "127.0.0.1",
          detail: { sessionId, requestId: expect.any(String) },
        }),
      ]);
    });
  });

  describe("logging out", () => {
    it("through auth.logout: the session ends, logout names user and session", async () => {
      const { userId, sessionId, tokens } = await loggedIn();
      const out = await trpc(server, "auth.logout", { token: tokens.accessToken });
      expect(out.status).toBe(200);
      expect(await isSessionLive(tokens.accessToken)).toBe(false);
      expect(await events("logout", userId)).toEqual([
        expect.objectContaining({ userId, detail: { sessionId, requestId: expect.any(String) } }),
      ]);
    });

    it("through /oauth/revoke with the refresh token: the same ending, the same event", async () => {
      const { userId, sessionId, tokens } = await loggedIn();
      const revoked = await postForm(server, "/oauth/revoke", { token: tokens.refreshToken });
      expect(revoked.status).toBe(200);
      expect(await isSessionLive(tokens.accessToken)).toBe(false);
      expect(await events("logout", userId)).toEqual([
        expect.objectContaining({ userId, detail: { sessionId, requestId: expect.any(String) } }),
      ]);
      // Revoking again changes nothing and records nothing more.
      expect((await postForm(server, "/oauth/revoke", { token: tokens.refreshToken })).status).toBe(
        200,
      );
      expect(await events("logout", userId)).toHaveLength(1);
    });

    it("through /oauth/revoke with the access token: the same ending, the same event", async () => {
      const { userId, sessionId, tokens } = await loggedIn();
      const revoked = await postForm(server, "/oauth/revoke", {
        token: tokens.accessToken,
        token_type_hint: "access_token",
      });
      expect(revoked.status).toBe(200);
      expect(await isSessionLive(tokens.accessToken)).toBe(false);
      expect(await events("logout", userId)).toEqual([
        expect.objectContaining({ userId, detail: { sessionId, requestId: expect.any(String) } }),
      ]);
    });
  });

  describe("a failed client authentication", () => {
    let admin: string;
    let clientId: string;
    beforeAll(async () => {
      admin = (await registerAdmin(server)).accessToken;
      const created = await trpc<{ clientId: string }>(server, "admin.clients.create", {
        token: admin,
        input: { name: "billing", scopes: ["users:read"] },
      });
      clientId = created.data?.clientId as string;
    });

    const attempts = {
      "the client_credentials grant": (id: string) =>
        postForm(server, "/oauth/token", {
          grant_type: "client_credentials",
          client_id: id,
          client_secret: "wrong",
        }),
      introspection: (id: string) =>
        postForm(server, "/oauth/introspect", {
          token: "x",
          client_id: id,
          client_secret: "wrong",
        }),
    };

    for (const [endpoint, attempt] of Object.entries(attempts)) {
      it(`through ${endpoint}: 401 invalid_client, recorded as client.auth_failed`, async () => {
        const before = (await events("client.auth_failed")).length;
        const refused = await attempt(clientId);
        expect(refused.status).toBe(401);
        expect(refused.body.error).toBe("invalid_client");
        const failures = await events("client.auth_failed");
        expect(failures).toHaveLength(before + 1);
        expect(failures[0]).toMatchObject({
          clientId,
          ip: "127.0.0.1",
          detail: { requestId: expect.any(String) },
        });
        expect(JSON.stringify(failures[0])).not.toContain("wrong");
      });
    }
  });
});
