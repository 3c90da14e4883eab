import {
  createTestDatabase,
  databaseTargets,
  describeEachDatabase,
  type TestDatabase,
} from "@warden/auth-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../testing/tcp-proxy.js";
import {
  registerAdmin,
  registerAndLogin,
  startTestServer,
  type TestServer,
  type TokenPairBody,
  trpc,
} from "../testing/test-server.js";

const ci = process.env.CI === "true" || process.env.CI === "1";
const redisUrl = process.env.TEST_REDIS_URL;
const postgres = databaseTargets().find((target) => target.dialect === "postgres");
if (ci && !redisUrl)
  throw new Error(
    "CI=true but TEST_REDIS_URL is not set: the multi-instance suite is mandatory in CI",
  );
const available = Boolean(redisUrl && postgres?.serverUrl);

describe.skipIf(!available)(
  `two instances sharing [postgres] and Redis${available ? "" : " (skipped: TEST_POSTGRES_URL or TEST_REDIS_URL not set)"}`,
  () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    let a: TestServer;
    let b: TestServer;

    beforeAll(async () => {
      database = await createTestDatabase(postgres as never);
      const redis = new URL(redisUrl as string);
      proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
      const env = { REDIS_URL: `redis://127.0.0.1:${proxy.port}` };
      a = await startTestServer(database, env);
      b = await startTestServer(database, env);
      // Both subscribers are ready before the first revocation.
      await new Promise((resolve) => setTimeout(resolve, 300));
    }, 60_000);
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await proxy?.close();
      await database?.drop();
    });

    it("a logout on one instance is refused on the other at once", async () => {
      const { tokens } = await registerAndLogin(a);
      expect((await trpc(b, "users.me", { query: true, token: tokens.accessToken })).status).toBe(
        200,
      );
      await trpc(a, "auth.logout", { token: tokens.accessToken });
      expect((await trpc(b, "users.me", { query: true, token: tokens.accessToken })).status).toBe(
        401,
      );
    });

    it("a demoted admin's old token is refused on the other instance at once", async () => {
      const bossToken = (await registerAdmin(a)).accessToken;
      const target = await registerAdmin(a);
      const targetToken = target.accessToken;
      expect((await trpc(b, "admin.users.list", { query: true, token: targetToken })).status).toBe(
        200,
      );
      const demoted = await trpc(a, "admin.users.setRole", {
        token: bossToken,
        input: { id: target.user.id, role: "user" },
      });
      expect(demoted.status).toBe(200);
      for (const server of [a, b]) {
        const call = await trpc(server, "admin.users.setRole", {
          token: targetToken,
          input: { id: target.user.id, role: "admin" },
        });
        expect(call.status).toBe(401);
      }
    });

    it("with the publisher's Redis cut, the publish is lost: the others learn it from the database within 2 s", async () => {
      // c follows Redis directly: only a's connection (through the proxy) is cut.
      const c = await startTestServer(database, { REDIS_URL: redisUrl as string });
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const first = await registerAndLogin(a);
        const second = await trpc<TokenPairBody>(a, "auth.login", {
          input: { username: first.user.username, password: first.password },
        });
        await proxy.cut();
        await new Promise((resolve) => setTimeout(resolve, 100));
        for (const server of [b, c]) {
          expect(
            (await trpc(server, "users.me", { query: true, token: first.tokens.accessToken }))
              .status,
          ).toBe(200);
        }
        await trpc(a, "auth.logout", { token: first.tokens.accessToken });
        expect(
          (await trpc(a, "users.me", { query: true, token: first.tokens.accessToken })).status,
        ).toBe(401);
        for (const server of [b, c]) {
          expect(await refusedWithin(server, first.tokens.accessToken, 2000)).toBe(true);
        }

        await proxy.restore();
        // Reconnection backs off; give it time to resubscribe.
        await new Promise((resolve) => setTimeout(resolve, 2500));
        const secondToken = second.data?.accessToken as string;
        expect((await trpc(b, "users.me", { query: true, token: secondToken })).status).toBe(200);
        await trpc(a, "auth.logout", { token: secondToken });
        expect((await trpc(b, "users.me", { query: true, token: secondToken })).status).toBe(401);
      } finally {
        await c.close();
      }
    }, 30_000);
  },
);

describeEachDatabase("two instances without Redis", (current) => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer(current());
    b = await startTestServer(current());
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("a logout on one instance is refused on the other within 2 s", async () => {
    const { tokens } = await registerAndLogin(a);
    expect((await trpc(b, "users.me", { query: true, token: tokens.accessToken })).status).toBe(
      200,
    );
    await trpc(a, "auth.logout", { token: tokens.accessToken });
    expect(await refusedWithin(b, tokens.accessToken, 2000)).toBe(true);
  });

  it("a role change ends the user's sessions on every instance within 2 s", async () => {
    const bossToken = (await registerAdmin(a)).accessToken;
    const target = await registerAndLogin(a);
    expect(
      (await trpc(b, "users.me", { query: true, token: target.tokens.accessToken })).status,
    ).toBe(200);
    await trpc(a, "admin.users.setRole", {
      token: bossToken,
      input: { id: target.user.id, role: "admin" },
    });
    expect(await refusedWithin(b, target.tokens.accessToken, 2000)).toBe(true);
  });

  it("users.me, answered from memory, shows a user's change on every instance within 2 s", async () => {
    const target = await registerAndLogin(a);
    const me = async (server: TestServer, token: string) =>
      (await trpc<{ role: string }>(server, "users.me", { query: true, token })).data?.role;
    // b remembers the row as it is now.
    expect(await me(b, target.tokens.accessToken)).toBe("user");
    await a.running.deps.useCases.setRole(
      { kind: "system", name: "test" },
      { id: target.user.id, role: "admin" },
      {},
    );
    const relogin = await trpc<TokenPairBody>(b, "auth.login", {
      input: { username: target.user.username, password: target.password },
    });
    const token = relogin.data?.accessToken as string;
    const deadline = Date.now() + 2000;
    let role = await me(b, token);
    while (role !== "admin" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      role = await me(b, token);
    }
    expect(role).toBe("admin");
  });
});

/** Whether `server` refuses the token within `ms`, asking every 50 ms. */
async function refusedWithin(server: TestServer, token: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const status = (await trpc(server, "users.me", { query: true, token })).status;
    if (status === 401) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
