import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "@warden/auth-core";
import { describeEachDatabase } from "@warden/auth-core/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bootstrap, type Running } from "../bootstrap.js";
import { createLogger } from "../logger.js";
import { createServer } from "../server.js";
import type { LogRecord } from "../testing/logged-test-server.js";
import { registerAdmin, registerAndLogin, TEST_ISSUER } from "../testing/test-server.js";

// Single tRPC GET queries are answered by the HTTP server's own listener
// (http/front-door.ts), everything else by Fastify. A browser's
// cross-origin call (an Origin header) is one the door leaves to Fastify,
// so the same request sent with and without one is answered both ways.
// Also with CORS and TRUST_PROXY set, the settings that make Fastify's answer depend on more.
const settings: [string, Record<string, string>][] = [
  ["", {}],
  [" with CORS_ORIGINS and TRUST_PROXY", { CORS_ORIGINS: "https://app.test", TRUST_PROXY: "1" }],
];

for (const [named, env] of settings)
  describeEachDatabase(`the front door${named}`, (current) => {
    let app: FastifyInstance;
    let running: Running;
    let url: string;
    /** The URLs of the requests Fastify handled, in order. */
    const seenByFastify: string[] = [];
    const lines: string[] = [];
    const records = () => lines.map((line) => JSON.parse(line) as LogRecord);
    let userToken: string;
    let adminToken: string;
    let mailDir: string;

    beforeAll(async () => {
      const database = current();
      mailDir = await mkdtemp(join(tmpdir(), "warden-front-door-mail-"));
      const logger = createLogger("info", { destination: { write: (line) => lines.push(line) } });
      running = await bootstrap(
        parseConfig({
          DATABASE_URL: database.url,
          BCRYPT_COST: "10",
          WARDEN_ISSUER: TEST_ISSUER,
          MAIL_DIR: mailDir,
          ...env,
        }),
        logger,
      );
      app = await createServer(running.deps);
      app.addHook("onRequest", (request, _reply, done) => {
        seenByFastify.push(request.url);
        done();
      });
      url = await app.listen({ host: "127.0.0.1", port: 0 });
      const server = { url, app, running, close: async () => {} };
      userToken = (await registerAndLogin(server)).tokens.accessToken;
      adminToken = (await registerAdmin(server)).accessToken;
    }, 60_000);
    afterAll(async () => {
      await app?.close();
      await running?.close();
      await rm(mailDir, { recursive: true, force: true });
    });

    /** `fetch`, and whether Fastify handled the request. */
    const send = async (path: string, init: RequestInit = {}) => {
      const before = seenByFastify.length;
      const response = await fetch(`${url}${path}`, init);
      const headers = Object.fromEntries(
        [...response.headers].filter(
          ([name]) => name !== "date" && !name.startsWith("access-control"),
        ),
      );
      return {
        status: response.status,
        headers,
        body: await response.text(),
        byFastify: seenByFastify.length > before,
      };
    };
    const input = (value: unknown) => `?input=${encodeURIComponent(JSON.stringify(value))}`;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    it("answers a single query as Fastify's route answers it: status, body and every header", async () => {
      const calls: [string, Record<string, string>][] = [
        [`/trpc/system.hello${input({ name: "door" })}`, {}],
        ["/trpc/system.hello", {}], // no input: the schema's 400
        [`/trpc/system.hello${input({ name: 42 })}`, {}],
        ["/trpc/users.me", bearer(userToken)],
        ["/trpc/users.me", {}], // 401 with a bare Bearer challenge
        ["/trpc/users.me", bearer("not-a-token")], // 401, error="invalid_token"
        ["/trpc/sessions.list", bearer(userToken)],
        [`/trpc/posts.list${input({ limit: 5 })}`, bearer(userToken)],
        [`/trpc/admin.users.list${input({ limit: 5 })}`, bearer(userToken)], // 403
        [`/trpc/admin.users.list${input({ limit: 5 })}`, bearer(adminToken)],
      ];
      const statuses = new Set<number>();
      for (const [path, headers] of calls) {
        const byDoor = await send(path, { headers });
        const byFastify = await send(path, {
          headers: { ...headers, origin: "https://elsewhere.test" },
        });
        expect(byDoor.byFastify, path).toBe(false);
        expect(byFastify.byFastify, path).toBe(true);
        expect(byDoor, path).toEqual({ ...byFastify, byFastify: false });
        statuses.add(byDoor.status);
      }
      expect([...statuses].sort()).toEqual([200, 400, 401, 403]);
    });

    it("leaves to Fastify every request that is not one plain query, and those are answered as before", async () => {
      const hello = `/trpc/system.hello${input({ name: "door" })}`;
      const cases: [string, RequestInit, number][] = [
        [`/trpc/system.hello?batch=1&input=${encodeURIComponent('{"0":{"name":"a"}}')}`, {}, 200],
        [`${hello}&extra=1`, {}, 200],
        [`/trpc/system%2Ehello${input({ name: "door" })}`, {}, 200],
        ["/trpc/no.such.query", {}, 404],
        [hello, { method: "HEAD" }, 204],
        [hello, { headers: { "trpc-accept": "application/jsonl" } }, 400],
        [`/trpc/system.hello?input=%7Bnot-json`, {}, 400],
        [
          "/trpc/auth.login",
          { method: "POST", headers: { "content-type": "application/json" }, body: "{}" },
          400,
        ],
        ["/api/health", {}, 200],
      ];
      for (const [path, init, status] of cases) {
        const answer = await send(path, init);
        expect(answer.byFastify, path).toBe(true);
        expect(answer.status, path).toBe(status);
      }
    });

    it("logs one access line per query with the client's x-request-id, or the next id of the sequence Fastify shares", async () => {
      const hello = `/trpc/system.hello${input({ name: "ids" })}`;
      await send(hello, { headers: { "x-request-id": "door-given-id" } });
      const from = lines.length;
      await send(hello);
      await send("/api/health");
      await send(hello);
      const given = records().filter((record) => record.reqId === "door-given-id");
      expect(given).toEqual([
        expect.objectContaining({
          msg: "request",
          method: "GET",
          path: "/trpc/system.hello",
          status: 200,
        }),
      ]);
      const ids = records()
        .slice(from)
        .filter((record) => record.msg === "request")
        .map((record) => String(record.reqId));
      expect(ids).toHaveLength(3);
      const numbers = ids.map((id) => Number.parseInt(id.replace(/^req-/, ""), 36));
      expect(numbers).toEqual([numbers[0], (numbers[0] ?? 0) + 1, (numbers[0] ?? 0) + 2]);
    });

    it("keeps Fastify's keep-alive and timeout settings on the server it makes", async () => {
      expect(app.server.keepAliveTimeout).toBe(72_000);
      const answer = await send(`/trpc/system.hello${input({ name: "alive" })}`);
      expect(answer.byFastify).toBe(false);
      expect(answer.headers["keep-alive"]).toBe("timeout=72");
    });
  });
