import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../testing/describe-each-database.js";
import {
  createTestDatabase,
  databaseTargets,
  type TestDatabase,
} from "../testing/test-database.js";
import { insertUser } from "../user/user.repository.js";
import { importLegacyUsers, LegacyImportError, openLegacyDatabase } from "./legacy-users.js";

/* The import's rules, called directly, with an old table of every awkward row. */

const bcrypt = (n: number) => `$2b$10$${String(n).padStart(2, "0").repeat(26)}a`;

describeEachDatabase("importLegacyUsers", (current) => {
  let old: TestDatabase;

  beforeAll(async () => {
    const target = databaseTargets().find((t) => t.dialect === current().dialect);
    if (!target) throw new Error("no target");
    old = await createTestDatabase(target);
    await old.database.db.schema
      .createTable("accounts")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("login", "varchar(100)")
      .addColumn("email", "varchar(255)")
      .addColumn("full_name", "varchar(255)")
      .addColumn("password_hash", "varchar(255)")
      .addColumn("created_at", "varchar(40)")
      .execute();
    const rows: [number, string | null, string, string | null, string | null, string | null][] = [
      [1, "Bob", "bob@x.example", "Bob One", bcrypt(1), null],
      [2, "bob", "bob2@x.example", null, bcrypt(2), null],
      [3, "bob2", "bob3@x.example", null, bcrypt(3), null],
      [4, "  ", "zed@x.example", null, bcrypt(4), null],
      [5, "dup", "BOB@x.example", null, bcrypt(5), null],
      [6, "nomail", "not-an-email", null, bcrypt(6), null],
      [7, "longname", "long@x.example", "x".repeat(150), bcrypt(7), null],
      [8, "ctrl", "ctrl@x.example", "a\u0001b", bcrypt(8), null],
      [9, "argon", "argon@x.example", null, "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", null],
      [10, "nohash", "nohash@x.example", null, null, null],
      [11, "tsrow", "ts@x.example", null, bcrypt(11), "2020-01-02 03:04:05"],
      [12, "taken", "taken-old@x.example", null, bcrypt(12), null],
    ];
    for (const [id, login, email, full_name, password_hash, created_at] of rows) {
      await old.database.db
        .insertInto("accounts" as never)
        .values({ id, login, email, full_name, password_hash, created_at } as never)
        .execute();
    }
    const now = new Date().toISOString();
    await insertUser(
      current().database.db,
      {
        id: "00000000-0000-4000-8000-000000000001",
        username: "Taken",
        email: "taken@warden.example",
        name: "Taken",
        role: "user",
        createdAt: now,
        passwordHash: bcrypt(99),
        disabled: false,
      },
      now,
    );
  }, 60_000);
  afterAll(async () => old?.drop());

  const options = {
    table: "accounts",
    usernameColumn: "login",
    now: () => "2026-01-01T00:00:00.000Z",
  };

  it("imports what it can, reports each change and each skip, in batches", async () => {
    const progress: string[] = [];
    const report = await importLegacyUsers(old.database.db, current().database.db, {
      ...options,
      batchSize: 3,
      onProgress: (done, total) => progress.push(`${done}/${total}`),
    });
    expect(report.columns).toEqual({
      table: "accounts",
      id: "id",
      username: "login",
      email: "email",
      password: "password_hash",
      name: "full_name",
      createdAt: "created_at",
    });
    expect(progress).toEqual(["4/12", "7/12", "10/12", "12/12"]);
    expect(report.imported).toBe(7);
    expect(report.changed).toEqual([
      {
        id: "2",
        changes: ['username "bob" → "bob3" (a number added: the name was taken)'],
      },
      {
        id: "7",
        changes: ["name cut to 100 characters"],
      },
      {
        id: "8",
        changes: ["name replaced by the username (must not contain control characters)"],
      },
    ]);
    expect(report.skipped).toEqual([
      { id: "5", reason: `email "BOB@x.example" is also row 1's` },
      { id: "6", reason: '"not-an-email" is not a valid email address' },
      {
        id: "9",
        reason: 'the password hash is not bcrypt ($2a$, $2b$ or $2y$): its scheme is "argon2id"',
      },
      { id: "10", reason: "no password hash" },
      { id: "12", reason: 'Warden already has the username "taken"' },
    ]);
    expect(JSON.stringify(report)).not.toMatch(/\$2b\$10\$|c2FsdA/);
    expect(report.derived).toEqual({
      usernameFromEmail: 1,
      emailFromDomain: 0,
      nameFromUsername: 4,
    });

    const users = await current()
      .database.db.selectFrom("users")
      .select(["username", "email", "name", "password_hash", "created_at"])
      .where("email", "like", "%@x.example")
      .execute();
    users.sort((a, b) => (a.email < b.email ? -1 : 1));
    expect(users.map((u) => [u.username, u.email, u.name.length, u.created_at])).toEqual([
      ["bob3", "bob2@x.example", 4, "2026-01-01T00:00:00.000Z"],
      ["bob2", "bob3@x.example", 4, "2026-01-01T00:00:00.000Z"],
      ["Bob", "bob@x.example", 7, "2026-01-01T00:00:00.000Z"],
      ["ctrl", "ctrl@x.example", 4, "2026-01-01T00:00:00.000Z"],
      ["longname", "long@x.example", 100, "2026-01-01T00:00:00.000Z"],
      ["tsrow", "ts@x.example", 5, "2020-01-02T03:04:05.000Z"],
      ["zed", "zed@x.example", 3, "2026-01-01T00:00:00.000Z"],
    ]);
    expect(users[2]?.password_hash).toBe(bcrypt(1));
  });

  it("a second run adds nothing", async () => {
    const report = await importLegacyUsers(old.database.db, current().database.db, options);
    expect(report.imported).toBe(0);
    expect(report.changed).toEqual([]);
    expect(report.skipped).toHaveLength(12);
  });

  it("refuses a table without a password column, and a missing SQLite file", async () => {
    await expect(
      importLegacyUsers(old.database.db, current().database.db, {
        table: "accounts",
        passwordColumn: "nope",
      }),
    ).rejects.toThrow(/--password-column: table "accounts" has no column "nope"/);
    await expect(openLegacyDatabase("file:/nonexistent/old.db")).rejects.toThrow(LegacyImportError);
  });
});
