import { describeEachDatabase, type TestDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  LOG_LEVEL,
  type LoggedTestServer,
  startLoggedTestServer,
} from "../testing/logged-test-server.js";
import { registerAndLogin, trpc } from "../testing/test-server.js";

// Stored hash formats (packages/auth-core/src/password/password-hasher.ts):
// "$2b$" up to 72 bytes of password, passlib's "$bcrypt-sha256$" beyond.
const STORED_HASH_PREFIXES = ["$2b$", "$bcrypt-sha256$"];
const NEW_PASSWORDS = {
  bcrypt: "quartz-lantern-harbor-91",
  "bcrypt-sha256": `long-${"marigold-".repeat(10)}horizon-73`,
};

/**
 * Makes every later UPDATE of `users` fail, through the test's own connection
 * to the server's database, the way each database would refuse it:
 * PostgreSQL with a check violation (its DETAIL quotes the failing row, new
 * password hash included), MySQL/MariaDB with a trigger (mysql2 puts the
 * statement, values inlined, on `err.sql`), SQLite with a trigger.
 */
async function rejectUserUpdates(database: TestDatabase): Promise<void> {
  const statements: Record<TestDatabase["dialect"], string> = {
    postgres: "alter table users add constraint reject_user_updates check (id is null) not valid",
    mysql:
      "create trigger reject_user_updates before update on users for each row " +
      "signal sqlstate '45000' set message_text = 'user updates are refused by this test'",
    sqlite:
      "create trigger reject_user_updates before update on users " +
      "begin select raise(abort, 'user updates are refused by this test'); end",
  };
  await executeRaw(database, statements[database.dialect]);
}

describeEachDatabase("no logged error carries SQL values", (current) => {
  let server: LoggedTestServer;
  let responses: { password: string; status: number; raw: string }[] = [];

  beforeAll(async () => {
    server = await startLoggedTestServer(current());
    const accounts = await Promise.all(
      Object.keys(NEW_PASSWORDS).map(() => registerAndLogin(server)),
    );
    await rejectUserUpdates(current());
    responses = await Promise.all(
      Object.values(NEW_PASSWORDS).map(async (newPassword, index) => {
        const account = accounts[index] as (typeof accounts)[number];
        const result = await trpc(server, "users.changePassword", {
          token: account.tokens.accessToken,
          input: { currentPassword: account.password, newPassword },
        });
        return { password: newPassword, status: result.status, raw: result.raw };
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it("a password change the database refuses answers 500 without details", () => {
    expect(responses).toHaveLength(2);
    for (const response of responses) {
      expect(response.status, response.raw).toBe(500);
      expect(JSON.parse(response.raw)).toMatchObject({
        error: { message: "internal server error", data: { code: "INTERNAL_SERVER_ERROR" } },
      });
      for (const prefix of STORED_HASH_PREFIXES) expect(response.raw).not.toContain(prefix);
      expect(response.raw).not.toContain(response.password);
    }
  });

  it("the failure is logged at error level, with the database's message and code", () => {
    const failures = server
      .records()
      .filter((record) => record.level >= LOG_LEVEL.error && record.msg === "procedure failed");
    expect(failures).toHaveLength(2);
    for (const failure of failures) {
      const err = failure.err as { message?: string; code?: unknown } | undefined;
      expect(err?.message).toBeTruthy();
      expect(err?.code).toBeTruthy();
    }
  });

  it("no log line carries the new password hash, nor the new password", () => {
    const log = server.lines.join("");
    expect(log.length).toBeGreaterThan(0);
    for (const prefix of STORED_HASH_PREFIXES) expect(log).not.toContain(prefix);
    for (const password of Object.values(NEW_PASSWORDS)) expect(log).not.toContain(password);
  });
});

/**
 * One statement as Kysely would run a compiled raw query (`sql.raw`):
 * apps/server does not depend on kysely, so the query is built by hand,
 * typed through the database's own Kysely instance.
 */
async function executeRaw(database: TestDatabase, text: string): Promise<void> {
  type CompiledQuery = Parameters<TestDatabase["database"]["db"]["executeQuery"]>[0];
  const query = {
    sql: text,
    parameters: [],
    query: { kind: "RawNode", sqlFragments: [text], parameters: [] },
    queryId: { queryId: "log-redaction-test" },
  } as unknown as CompiledQuery;
  await database.database.db.executeQuery(query);
}
