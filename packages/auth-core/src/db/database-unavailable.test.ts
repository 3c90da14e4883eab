import { createServer, type Server, type Socket } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, databaseTargets } from "../testing/test-database.js";
import { createDatabase } from "./database.js";
import {
  DatabaseUnavailableError,
  isConnectionFailure,
  isDatabaseUnavailable,
} from "./database-unavailable.js";

describe("isConnectionFailure", () => {
  const failures: [string, unknown][] = [
    [
      "a refused connection",
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
    ],
    ["pg: a lost connection", new Error("Connection terminated unexpectedly")],
    ["pg-pool: no connection in time", new Error("timeout exceeded when trying to connect")],
    [
      "PostgreSQL shutting down (57P01)",
      Object.assign(new Error("terminating"), { code: "57P01" }),
    ],
    ["PostgreSQL class 08", Object.assign(new Error("connection failure"), { code: "08006" })],
    [
      "mysql2: a lost connection",
      Object.assign(new Error("Connection lost"), {
        code: "PROTOCOL_CONNECTION_LOST",
        fatal: true,
      }),
    ],
    [
      "every address refused",
      new AggregateError([
        Object.assign(new Error("a"), { code: "ECONNREFUSED" }),
        Object.assign(new Error("b"), { code: "ECONNREFUSED" }),
      ]),
    ],
  ];
  const refusals: [string, unknown][] = [
    ["PostgreSQL: a check violation", Object.assign(new Error("violates"), { code: "23514" })],
    ["PostgreSQL: a unique violation", Object.assign(new Error("duplicate"), { code: "23505" })],
    ["a trigger's SIGNAL", Object.assign(new Error("refused"), { code: "ER_SIGNAL_EXCEPTION" })],
    ["MySQL: a duplicate entry", Object.assign(new Error("Duplicate"), { code: "ER_DUP_ENTRY" })],
    ["SQLite: busy", Object.assign(new Error("locked"), { code: "SQLITE_BUSY" })],
    ["not an error", "ECONNREFUSED"],
  ];
  it.each(failures)("%s is a connection failure", (_name, error) => {
    expect(isConnectionFailure(error)).toBe(true);
  });
  it.each(refusals)("%s is not", (_name, error) => {
    expect(isConnectionFailure(error)).toBe(false);
  });
  it("a DatabaseUnavailableError is recognized by name and code", () => {
    expect(isDatabaseUnavailable(new DatabaseUnavailableError(new Error("x")))).toBe(true);
    expect(
      isDatabaseUnavailable(
        Object.assign(new Error("copy"), {
          name: "DatabaseUnavailableError",
          code: "DATABASE_UNAVAILABLE",
        }),
      ),
    ).toBe(true);
    expect(isDatabaseUnavailable(new Error("the database is unavailable"))).toBe(false);
  });
});

// A server that accepts TCP connections and never says a word: a database
// host lost behind a firewall that drops packets, not one that refuses.
describe("a database that accepts connections and never answers", () => {
  let server: Server;
  let port = 0;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  for (const scheme of ["postgres", "mysql"] as const) {
    it(`fails with DatabaseUnavailableError within the connect timeout (${scheme} driver)`, async () => {
      const database = createDatabase(`${scheme}://warden@127.0.0.1:${port}/warden`, {
        connectTimeoutMs: 500,
      });
      const changes: boolean[] = [];
      database.onAvailabilityChange((change) => changes.push(change.available));
      const started = Date.now();
      const error = await database.ping().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      const elapsed = Date.now() - started;
      await database.destroy();
      expect(isDatabaseUnavailable(error), String(error)).toBe(true);
      expect(elapsed).toBeLessThan(3_000);
      expect(changes).toEqual([false]);
    });
  }
});

for (const target of databaseTargets()) {
  if (target.dialect === "sqlite") continue;
  const title = `a pool with no free connection [${target.dialect}]`;
  describe.skipIf(target.serverUrl === undefined)(
    target.serverUrl === undefined ? `${title} (skipped: ${target.skipReason})` : title,
    () => {
      it("a query waits no longer than the timeout, then fails with DatabaseUnavailableError", async () => {
        const test = await createTestDatabase(target);
        const database = createDatabase(test.url, { poolSize: 1, connectTimeoutMs: 500 });
        try {
          let release = () => {};
          const held = new Promise<void>((resolve) => {
            release = resolve;
          });
          let holding: Promise<void> = Promise.resolve();
          const started = new Promise<void>((resolve) => {
            holding = database.db.transaction().execute(async (trx) => {
              await sql`select 1`.execute(trx);
              resolve();
              await held;
            });
          });
          await started;
          const before = Date.now();
          const error = await database.ping().then(
            () => undefined,
            (caught: unknown) => caught,
          );
          const elapsed = Date.now() - before;
          release();
          await holding;
          expect(isDatabaseUnavailable(error), String(error)).toBe(true);
          expect(elapsed).toBeLessThan(3_000);
          // The pool is whole again: the connection given up on was not lost.
          await database.ping();
        } finally {
          await database.destroy();
          await test.drop();
        }
      });
    },
  );
}
