import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "../testing/describe-each-database.js";
import {
  createTestDatabase,
  databaseTargets,
  type TestDatabase,
} from "../testing/test-database.js";
import { insertUser } from "../user/user.repository.js";
import {
  importLegacyUsers,
  LegacyImportError,
  notBcryptReason,
  openLegacyDatabase,
} from "./legacy-users.js";

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
        emailVerified: false,
        twoFactorEnabled: false,
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
    await expect(openLegacyDatabase("sqlite:////nonexistent/old.db")).rejects.toThrow(
      'no SQLite file at "/nonexistent/old.db"',
    );
  });
});

describe("openLegacyDatabase", () => {
  it("refuses a URL it cannot read, naming --from", async () => {
    await expect(openLegacyDatabase("oracle://u:pw@h/db")).rejects.toThrow(
      /^--from must start with "file:".*or be a SQLAlchemy URL/,
    );
    await expect(openLegacyDatabase("sqlite:///app.db?mode=ro")).rejects.toThrow(
      /^--from has the parameter "mode"/,
    );
    await expect(openLegacyDatabase("oracle://u:pw@h/db")).rejects.toThrow(LegacyImportError);
  });
});

describe("notBcryptReason", () => {
  const reason = "the password hash is not bcrypt ($2a$, $2b$ or $2y$)";
  it.each([
    [
      "$pbkdf2-sha256$29000$N2YuTa1VKgVgjJHy$Xw0xbVZm1q9C3RGVn3ZuDY3e0OJhbcfaQ",
      ': its scheme is "pbkdf2-sha256"',
    ],
    [
      "pbkdf2_sha256$600000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA=",
      ': its scheme is Django\'s "pbkdf2_sha256"',
    ],
    ["argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA", ': its scheme is Django\'s "argon2"'],
    ["$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", ': its scheme is "argon2id"'],
    ["$6$rounds=5000$salt$hash", ': its scheme is "sha512-crypt"'],
    [
      "$bcrypt-sha256$v=2,t=2b,r=12$n79VH.0Q2TMWmt3Oqt9uku$Kq4Noyk3094Y2QlB8NdRT8SvGiI4ft2",
      ': its scheme is "bcrypt-sha256"',
    ],
    ["$2b$12$tooshort", ": it starts as one but is malformed"],
    // Nothing unknown is printed: a plain-text password, an unknown prefix, a hex digest.
    ["hunter2$secret", ""],
    ["$hunter2$secret", ""],
    ["$constructor$x", ""],
    ["5f4dcc3b5aa765d61d8327deb882cf99", ""],
  ])("names the scheme of %s when it is a known one", (hash, rest) => {
    const got = notBcryptReason(hash);
    expect(got).toBe(`${reason}${rest}`);
    expect(got).not.toContain(hash.slice(-8));
  });
});
