import { createTestDatabase, databaseTargets, type TestDatabase } from "@warden/auth-core/testing";
import { registerAndLogin, startTestServer, type TestServer, trpc } from "@warden/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServiceClient, ServiceAuthenticationError } from "./service-client.js";

describe("createServiceClient [sqlite]", () => {
  let database: TestDatabase;
  let warden: TestServer;
  let credentials: { clientId: string; clientSecret: string };
  let userId: string;

  beforeAll(async () => {
    database = await createTestDatabase(
      databaseTargets().find((t) => t.dialect === "sqlite") as never,
    );
    warden = await startTestServer(database, { ACCESS_TOKEN_TTL: "4" });
    const admin = await registerAndLogin(warden);
    userId = admin.user.id;
    await warden.running.deps.warden.users.setRole(admin.user.id, "admin");
    const login = await trpc<{ accessToken: string }>(warden, "auth.login", {
      input: { username: admin.user.username, password: admin.password },
    });
    const created = await trpc<{ clientId: string; clientSecret: string }>(
      warden,
      "admin.clients.create",
      {
        token: login.data?.accessToken as string,
        input: { name: "svc", scopes: ["users:read"] },
      },
    );
    credentials = created.data as { clientId: string; clientSecret: string };
  }, 60_000);
  afterAll(async () => {
    await warden?.close();
    await database?.drop();
  });

  it("gets one token for a burst of calls, and renews it shortly before it expires", async () => {
    let tokenRequests = 0;
    const countingFetch: typeof fetch = async (input, init) => {
      if (String(input).endsWith("/oauth/token")) tokenRequests += 1;
      return fetch(input, init);
    };
    const service = createServiceClient({
      url: warden.url,
      ...credentials,
      renewBeforeSeconds: 2,
      fetch: countingFetch,
    });
    const users = await Promise.all(
      Array.from({ length: 5 }, () => service.api.users.byId.query({ id: userId })),
    );
    expect(users.every((user) => user.id === userId)).toBe(true);
    expect(tokenRequests).toBe(1);
    const first = await service.accessToken();
    // 4 s tokens renewed 2 s early: after 2.5 s a new one is fetched, before the old one died.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const second = await service.accessToken();
    expect(second).not.toBe(first);
    expect(tokenRequests).toBe(2);
    expect((await service.api.users.byId.query({ id: userId })).id).toBe(userId);
  });

  it("says why when the credentials are refused", async () => {
    const service = createServiceClient({
      url: warden.url,
      clientId: credentials.clientId,
      clientSecret: "wrong",
    });
    const error = await service.accessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceAuthenticationError);
    expect((error as ServiceAuthenticationError).error).toBe("invalid_client");
  });
});
