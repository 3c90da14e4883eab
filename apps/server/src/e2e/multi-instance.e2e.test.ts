import { createTestDatabase, databaseTargets, type TestDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../testing/tcp-proxy.js";
import {
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

    it("with Redis gone, both still answer correctly from the database; and after it returns", async () => {
      const first = await registerAndLogin(a);
      const second = await trpc<TokenPairBody>(a, "auth.login", {
        input: { username: first.user.username, password: first.password },
      });
      await proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(
        (await trpc(b, "users.me", { query: true, token: first.tokens.accessToken })).status,
      ).toBe(200);
      await trpc(a, "auth.logout", { token: first.tokens.accessToken });
      expect(
        (await trpc(b, "users.me", { query: true, token: first.tokens.accessToken })).status,
      ).toBe(401);
      expect(
        (await trpc(a, "users.me", { query: true, token: first.tokens.accessToken })).status,
      ).toBe(401);

      await proxy.restore();
      // Reconnection backs off; give it time to resubscribe.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await trpc(a, "auth.logout", { token: second.data?.accessToken as string });
      expect(
        (await trpc(b, "users.me", { query: true, token: second.data?.accessToken as string }))
          .status,
      ).toBe(401);
      expect(
        (await trpc(b, "users.me", { query: true, token: first.tokens.accessToken })).status,
      ).toBe(401);
    }, 30_000);
  },
);
