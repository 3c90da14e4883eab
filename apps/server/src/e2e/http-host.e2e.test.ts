import { migrateToLatest } from "@warden/auth-core";
import {
  createTestDatabase,
  type DatabaseTarget,
  databaseTargets,
} from "@warden/auth-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoggedTestServer, startLoggedTestServer } from "../testing/logged-test-server.js";
import { registerAndLogin, startTestServer } from "../testing/test-server.js";

// The HTTP host is the same whatever the database: tried on SQLite.
describe("the HTTP host [sqlite]", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: LoggedTestServer;
  beforeAll(async () => {
    database = await createTestDatabase(databaseTargets()[0] as DatabaseTarget);
    await migrateToLatest(database.database.db);
    server = await startLoggedTestServer(database);
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it("writes one access-log line per request: method, path without its query, status, duration, request id", async () => {
    const { tokens } = await registerAndLogin(server);
    const secret = "do-not-log-me";
    const response = await fetch(
      `${server.url}/trpc/system.hello?input=${encodeURIComponent(JSON.stringify({ name: secret }))}`,
      {
        headers: {
          "x-request-id": "req-access-log",
          authorization: `Bearer ${tokens.accessToken}`,
        },
      },
    );
    expect(response.status).toBe(200);
    const lines = server.records().filter((record) => record.reqId === "req-access-log");
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        msg: "request",
        method: "GET",
        path: "/trpc/system.hello",
        status: 200,
        ms: expect.any(Number),
      }),
    ]);
    const everything = server.lines.join("\n");
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(tokens.accessToken);
    expect(everything).not.toContain(tokens.refreshToken);
  });

  it("serves the OpenAPI document, built on first request, the same at /openapi.json and to Swagger UI", async () => {
    const [swaggerUi, openApi] = await Promise.all([
      fetch(`${server.url}/docs/json`),
      fetch(`${server.url}/openapi.json`),
    ]);
    expect(swaggerUi.status).toBe(200);
    expect(openApi.status).toBe(200);
    const document = (await openApi.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\.1/);
    expect(document.paths["/api/users/me"]).toBeDefined();
    expect(await swaggerUi.json()).toEqual(document);
    // Later requests get the same document.
    expect(await (await fetch(`${server.url}/docs/json`)).json()).toEqual(document);
  });

  it("answers JSON with the API's protective headers, not a document's, and no CORS without CORS_ORIGINS", async () => {
    const response = await fetch(`${server.url}/trpc/system.health`, {
      headers: { origin: "https://evil.example" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    for (const documentHeader of [
      "cross-origin-opener-policy",
      "cross-origin-resource-policy",
      "origin-agent-cluster",
      "x-download-options",
      "access-control-allow-origin",
    ]) {
      expect(response.headers.get(documentHeader), documentHeader).toBeNull();
    }
    // Errors and the OAuth endpoints carry them too.
    const notFound = await fetch(`${server.url}/nowhere`);
    expect(notFound.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("lets the origins in CORS_ORIGINS call it from a browser, and only those", async () => {
    const allowed = await startTestServer(database, { CORS_ORIGINS: "https://app.example" });
    try {
      const preflight = await fetch(`${allowed.url}/trpc/auth.login`, {
        method: "OPTIONS",
        headers: {
          origin: "https://app.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
      const other = await fetch(`${allowed.url}/trpc/system.health`, {
        headers: { origin: "https://evil.example" },
      });
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
      // A cache must keep the allowed origin's answer apart from others': Vary names Origin.
      const query = await fetch(
        `${allowed.url}/trpc/system.hello?input=${encodeURIComponent('{"name":"cors"}')}`,
        { headers: { origin: "https://app.example" } },
      );
      expect(query.status).toBe(200);
      expect(query.headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect(query.headers.get("vary")?.toLowerCase().split(/,\s*/)).toEqual(
        expect.arrayContaining(["origin", "trpc-accept", "accept"]),
      );
      const batch = await fetch(
        `${allowed.url}/trpc/system.hello?batch=1&input=${encodeURIComponent('{"0":{"name":"cors"}}')}`,
        { headers: { origin: "https://app.example" } },
      );
      expect(batch.status).toBe(200);
      expect(batch.headers.get("vary")?.toLowerCase().split(/,\s*/)).toContain("origin");
      // Without an Origin (the front door answers it), the answer still says it varies with one.
      const plain = await fetch(
        `${allowed.url}/trpc/system.hello?input=${encodeURIComponent('{"name":"cors"}')}`,
      );
      expect(plain.headers.get("vary")?.toLowerCase().split(/,\s*/)).toEqual(
        expect.arrayContaining(["origin", "trpc-accept", "accept"]),
      );
      expect((await fetch(`${allowed.url}/api/health`)).headers.get("vary")).toContain("Origin");
    } finally {
      await allowed.close();
    }
  });
});
