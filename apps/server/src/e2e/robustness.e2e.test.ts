import { createTestDatabase, databaseTargets, type TestDatabase } from "@warden/auth-core/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  postForm,
  registerAndLogin,
  startTestServer,
  type TestServer,
  trpc,
} from "../testing/test-server.js";

const PROCEDURES = [
  ["system.hello", "query"],
  ["auth.register", "mutation"],
  ["auth.login", "mutation"],
  ["auth.refresh", "mutation"],
  ["auth.logout", "mutation"],
  ["auth.verify", "query"],
  ["users.me", "query"],
  ["users.byId", "query"],
  ["users.changePassword", "mutation"],
  ["sessions.list", "query"],
  ["sessions.revoke", "mutation"],
  ["posts.list", "query"],
  ["posts.byId", "query"],
  ["posts.create", "mutation"],
  ["posts.update", "mutation"],
  ["posts.delete", "mutation"],
  ["admin.users.list", "query"],
  ["admin.users.setRole", "mutation"],
  ["admin.audit.list", "query"],
] as const;

// Malformed input of every shape JSON allows, plus strings that have broken other parsers.
const nasty = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(
    fc.constantFrom(
      "username",
      "email",
      "name",
      "password",
      "id",
      "limit",
      "cursor",
      "title",
      "content",
      "refreshToken",
      "role",
    ),
    fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.constantFrom(
        "",
        "\u0000",
        "' OR 1=1 --",
        "%",
        "_",
        "a".repeat(5000),
        "😀".repeat(100),
        "__proto__",
      ),
      fc.integer(),
      fc.double(),
      fc.constant(null),
      fc.array(fc.string()),
    ),
  ),
);

describe("robustness [sqlite]", () => {
  let database: TestDatabase;
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    const sqlite = databaseTargets().find((target) => target.dialect === "sqlite");
    database = await createTestDatabase(sqlite as never);
    server = await startTestServer(database);
    token = (await registerAndLogin(server)).tokens.accessToken;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it("a few hundred malformed inputs across every procedure get no 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PROCEDURES),
        nasty,
        fc.boolean(),
        async ([path, kind], input, withToken) => {
          const result = await trpc(server, path, {
            query: kind === "query",
            input,
            ...(withToken ? { token } : {}),
          });
          expect(result.status, `${path} ${JSON.stringify(input)?.slice(0, 200)}`).toBeLessThan(
            500,
          );
          expect(result.raw).not.toMatch(/\bat .+\.(js|ts):\d+|stack/i);
        },
      ),
      { numRuns: 400 },
    );
  }, 120_000);

  it("raw garbage bodies, methods and headers get no 5xx", async () => {
    const attempts: [string, RequestInit][] = [
      [
        "/trpc/auth.login",
        { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" },
      ],
      [
        "/trpc/auth.login",
        { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" },
      ],
      [
        "/trpc/auth.login",
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "x".repeat(200_000),
        },
      ],
      ["/trpc/auth.login", { method: "GET" }],
      ["/trpc/users.me?input=%ZZ", { method: "GET" }],
      ["/trpc/nope.nothing", { method: "GET" }],
      ["/trpc/system.hello?batch=1&input=[[[", { method: "GET" }],
      [
        "/oauth/token",
        {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "%%%&&&===",
        },
      ],
      [
        "/oauth/token",
        {
          method: "POST",
          headers: { "content-type": "multipart/form-data; boundary=x" },
          body: "--x--",
        },
      ],
      ["/oauth/token", { method: "GET" }],
      ["/oauth/revoke", { method: "POST" }],
      ["/.well-known/jwks.json", { method: "DELETE" }],
    ];
    for (const [path, init] of attempts) {
      const response = await fetch(`${server.url}${path}`, init);
      expect(response.status, `${init.method} ${path}`).toBeLessThan(500);
      expect(response.status, `${init.method} ${path}`).toBeGreaterThanOrEqual(400);
    }
  });

  it("random form bodies at the token endpoint get §5.2 errors, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            "grant_type",
            "username",
            "password",
            "refresh_token",
            "scope",
            "client_id",
          ),
          fc.string({ maxLength: 100 }),
        ),
        async (fields) => {
          const response = await postForm(server, "/oauth/token", fields);
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});

describe("graceful shutdown [sqlite]", () => {
  it("loses no request in flight", async () => {
    const sqlite = databaseTargets().find((target) => target.dialect === "sqlite");
    const database = await createTestDatabase(sqlite as never);
    const server = await startTestServer(database);
    try {
      const { user, password } = await registerAndLogin(server);
      let received = 0;
      server.app.server.on("request", () => {
        received += 1;
      });
      // Logins take a bcrypt hash each: long enough to be in flight when close() starts.
      const inFlight = Array.from({ length: 6 }, () =>
        trpc(server, "auth.login", { input: { username: user.username, password } }),
      );
      while (received < 6) await new Promise((resolve) => setTimeout(resolve, 2));
      const closing = server.app.close();
      const closedAt = Promise.race([
        closing.then(() => "closed"),
        new Promise((resolve) => setTimeout(() => resolve("still open"), 2000)),
      ]);
      const results = await Promise.allSettled(inFlight);
      // close() must not wait for keep-alive sockets to time out.
      expect(await closedAt).toBe("closed");
      expect(
        results.map((r) => (r.status === "fulfilled" ? r.value.status : String(r.reason.cause))),
      ).toEqual([200, 200, 200, 200, 200, 200]);
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    } finally {
      await server.running.close();
      await database.drop();
    }
  }, 60_000);
});
