import { createPasswordHasher } from "@warden/auth-core";
import {
  createTestDatabase,
  databaseTargets,
  describeEachDatabase,
  type TestDatabase,
} from "@warden/auth-core/testing";
import {
  type NodeRun,
  runServerCommand,
  type SpawnedServer,
  spawnWardenServer,
} from "@warden/server/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { trpc } from "../testing/test-server.js";

/*
 * `warden-server import-users` against the three shapes of a FastAPI
 * service's users table, each in an "old service" database of the same
 * dialect as Warden's: the users log in with their old passwords, a second
 * run adds nothing, and no hash is ever printed.
 */

const hasher = createPasswordHasher({ cost: 10 });

describeEachDatabase("import-users", (current) => {
  let old: TestDatabase;
  let server: SpawnedServer;
  const hashes: string[] = [];
  const passwords = new Map<string, string>();

  /** A real $2b$ hash (passlib's default), or its $2a$/$2y$ spelling. */
  const bcrypt = async (password: string, variant: "2a" | "2b" | "2y" = "2b") => {
    const hash = (await hasher.hash(password)).replace(/^\$2b\$/, `$${variant}$`);
    hashes.push(hash);
    return hash;
  };

  /** The old database's URL as the FastAPI service's `.env` has it: SQLAlchemy's form. */
  const sqlalchemyUrl = (url: string): string => {
    if (url.startsWith("file:/")) return `sqlite:///${url.slice("file:".length)}`;
    if (url.startsWith("postgres://"))
      return `${url.replace(/^postgres:/, "postgresql+psycopg:")}?sslmode=disable`;
    if (url.startsWith("mysql://"))
      return `${url.replace(/^mysql:/, "mysql+pymysql:")}?charset=utf8mb4`;
    throw new Error(`no SQLAlchemy form for ${url}`);
  };

  const importUsers = async (args: readonly string[], from: string = old.url): Promise<NodeRun> => {
    const run = await runServerCommand(server, ["import-users", "--from", from, ...args]);
    const printed = `${run.stdout}${run.stderr}`;
    for (const hash of hashes) expect(printed).not.toContain(hash.slice(-20));
    expect(printed).not.toMatch(/\$2[aby]\$\d\d\$/);
    return run;
  };

  const login = async (username: string, password: string) =>
    (await trpc(server, "auth.login", { input: { username, password } })).status;

  beforeAll(async () => {
    const target = databaseTargets().find((t) => t.dialect === current().dialect);
    if (!target) throw new Error("no target");
    old = await createTestDatabase(target);
    const db = old.database.db;
    // The old tables are none of Warden's: Kysely's types know only Warden's schema.
    const insert = (table: string, row: Record<string, unknown>) =>
      db
        .insertInto(table as never)
        .values(row as never)
        .execute();
    const pw = (user: string) => {
      const password = `${user}-old-password-1`;
      passwords.set(user, password);
      return password;
    };

    const pbkdf2 = "$pbkdf2-sha256$29000$N2YuTa1VKgVgjJHy$Xw0xbVZm1q9C3RGVn3ZuDY3e0OJhbcfaQ";
    hashes.push(pbkdf2);
    const djangoPbkdf2 =
      "pbkdf2_sha256$600000$c2FsdHNhbHRzYWx0$Tm90QVJlYWxIYXNoQnV0U2hhcGVkTGlrZU9uZT0=";
    hashes.push(djangoPbkdf2);

    // Seed 1: users(id, username, hashed_password)
    await db.schema
      .createTable("users")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("username", "varchar(100)", (c) => c.notNull())
      .addColumn("hashed_password", "varchar(255)", (c) => c.notNull())
      .execute();
    const seed1: [number, string, string][] = [
      [1, "alice", await bcrypt(pw("alice"))],
      [2, "bob smith", await bcrypt(pw("bob smith"))],
      [3, "jo", await bcrypt(pw("jo"))],
      [4, "bob_smith", await bcrypt(pw("bob_smith"))],
      [5, "carol", pbkdf2],
      [6, "a-very-long-username-that-goes-beyond-32", await bcrypt(pw("long"))],
      [7, "dave@example.com", await bcrypt(pw("dave"))],
    ];
    for (const [id, username, hash] of seed1)
      await insert("users", { id, username, hashed_password: hash });

    // Seed 2: users(id, email, password, created_at)
    await db.schema
      .createTable("email_users")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("email", "varchar(255)", (c) => c.notNull())
      .addColumn("password", "varchar(255)", (c) => c.notNull())
      .addColumn("created_at", "timestamp", (c) => c.notNull())
      .execute();
    const seed2: [number, string, string][] = [
      [1, "erin@example.com", await bcrypt(pw("erin"))],
      [2, "frank.o'neil@example.com", await bcrypt(pw("frank"))],
      [3, "ERIN@other.example", await bcrypt(pw("ERIN"))],
    ];
    for (const [id, email, hash] of seed2)
      await insert("email_users", { id, email, password: hash, created_at: "2021-03-04 05:06:07" });

    // Seed 3: users(id, username, email, name, hashed_password)
    await db.schema
      .createTable("full_users")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("username", "varchar(100)")
      .addColumn("email", "varchar(255)")
      .addColumn("name", "varchar(255)")
      .addColumn("hashed_password", "varchar(255)")
      .execute();
    const seed3: [number, string, string, string | null, string][] = [
      [1, "grace", "grace@example.com", "Grace Hopper", await bcrypt(pw("grace"), "2a")],
      [2, "heidi", "heidi@example.com", null, await bcrypt(pw("heidi"), "2y")],
      [3, "alice", "alice2@example.com", "Another Alice", await bcrypt(pw("alice2"))],
      [4, "ivan", "ivan@example.com", "Ivan", djangoPbkdf2],
    ];
    for (const [id, username, email, name, hash] of seed3)
      await insert("full_users", { id, username, email, name, hashed_password: hash });

    server = await spawnWardenServer({}, { databaseUrl: current().url });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await old?.drop();
  });

  it("users(id, username, hashed_password): needs --email-domain, makes usernames valid, reports each change", async () => {
    const refused = await importUsers([]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no email column.*--email-domain/);

    const run = await importUsers(["--email-domain", "legacy.example", "--batch-size", "2"]);
    expect(run.stderr).toBe(
      "import-users: 1/7 rows\nimport-users: 3/7 rows\nimport-users: 5/7 rows\nimport-users: 7/7 rows\n",
    );
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toEqual([
      'read 7 rows of "users" (id: id, username: username, email: -, password: hashed_password, name: -, created_at: -)',
      'changed id 2: username "bob smith" → "bob_smith2" (invalid characters replaced with _; a number added: the name was taken)',
      'changed id 3: username "jo" → "jo_" (padded to 3 characters)',
      'changed id 6: username "a-very-long-username-that-goes-beyond-32" → "a-very-long-username-that-goes-b" (cut to 32 characters)',
      'changed id 7: username "dave@example.com" → "dave_example.com" (invalid characters replaced with _)',
      'skipped id 5: the password hash is not bcrypt ($2a$, $2b$ or $2y$): its scheme is "pbkdf2-sha256"',
      "6 emails made as <username>@legacy.example",
      "6 names taken from the username",
      "imported 6, changed 4, skipped 1 (1: the password hash is not bcrypt ($2a$, $2b$ or $2y$): its scheme is …)",
    ]);

    expect(await login("alice", passwords.get("alice") as string)).toBe(200);
    expect(await login("bob_smith2", passwords.get("bob smith") as string)).toBe(200);
    expect(await login("bob_smith", passwords.get("bob_smith") as string)).toBe(200);
    expect(await login("jo_@legacy.example", passwords.get("jo") as string)).toBe(200);
    expect(await login("alice", "not-her-password")).toBe(401);

    const again = await importUsers(["--email-domain", "legacy.example"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^imported 0, changed 0, skipped 7 \(/m);
    expect(again.stdout).toContain('skipped id 1: Warden already has the username "alice"');
  });

  it("users(id, email, password, created_at), --from in SQLAlchemy's form: usernames from the email, kept creation times", async () => {
    const from = sqlalchemyUrl(old.url);
    const run = await importUsers(["--table", "email_users"], from);
    expect(run.code).toBe(0);
    const driver = { sqlite: "sqlite", postgres: "postgresql+psycopg", mysql: "mysql+pymysql" }[
      current().dialect
    ];
    expect(run.stderr.split("\n")[0]).toBe(
      `import-users: --from is a SQLAlchemy URL (${driver}${driver === "sqlite" ? "" : ": Warden uses its own driver"}), read as ${
        current().dialect === "postgres"
          ? `${old.url.replace(/^postgres:/, "postgresql:")}?sslmode=disable&uselibpqcompat=true`
          : current().dialect === "mysql"
            ? `${old.url}; dropped: charset (Warden always talks utf8mb4)`
            : old.url
      }`,
    );
    expect(run.stdout).toContain(
      `changed id 2: username "frank.o'neil" (from the email) → "frank.o_neil" (invalid characters replaced with _)`,
    );
    expect(run.stdout).toContain(
      'changed id 3: username "ERIN" (from the email) → "ERIN2" (a number added: the name was taken)',
    );
    expect(run.stdout).toContain("3 usernames taken from the email's local part");
    expect(run.stdout).toMatch(/^imported 3, changed 2, skipped 0$/m);

    expect(await login("erin@example.com", passwords.get("erin") as string)).toBe(200);
    expect(await login("ERIN2", passwords.get("ERIN") as string)).toBe(200);
    const erin = await current()
      .database.db.selectFrom("users")
      .select(["created_at", "name"])
      .where("username_key", "=", "erin")
      .executeTakeFirstOrThrow();
    expect(erin).toEqual({ created_at: "2021-03-04T05:06:07.000Z", name: "erin" });

    const again = await importUsers(["--table", "email_users"], from);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^imported 0, changed 0, skipped 3 \(/m);
  });

  it("users(id, username, email, name, hashed_password): $2a$ and $2y$ hashes log in; a taken username is skipped", async () => {
    const run = await importUsers([
      "--table",
      "full_users",
      "--name-column",
      "name",
      "--password-column",
      "hashed_password",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('skipped id 3: Warden already has the username "alice"');
    expect(run.stdout).toContain(
      `skipped id 4: the password hash is not bcrypt ($2a$, $2b$ or $2y$): its scheme is Django's "pbkdf2_sha256"`,
    );
    expect(run.stdout).toMatch(/^imported 2, changed 0, skipped 2 \(/m);

    const grace = await trpc<{ accessToken: string }>(server, "auth.login", {
      input: { username: "grace", password: passwords.get("grace") },
    });
    expect(grace.status).toBe(200);
    const me = await trpc<{ name: string; email: string }>(server, "users.me", {
      query: true,
      token: grace.data?.accessToken as string,
    });
    expect(me.data).toMatchObject({ name: "Grace Hopper", email: "grace@example.com" });
    expect(await login("heidi", passwords.get("heidi") as string)).toBe(200);

    const again = await importUsers(["--table", "full_users"]);
    expect(again.stdout).toMatch(/^imported 0, changed 0, skipped 4 \(/m);
  });

  it("refuses a --from it cannot read, naming --from and printing no password", async () => {
    const scheme = await importUsers([], "oracle+cx_oracle://app:s3cret-pw@old-db/app");
    expect(scheme.code).toBe(1);
    expect(scheme.stderr).toMatch(
      /^warden-server: --from must start with "file:".*or be a SQLAlchemy URL \(/,
    );
    const sqlalchemy = sqlalchemyUrl(old.url);
    const parameter = await importUsers(
      [],
      `${sqlalchemy}${sqlalchemy.includes("?") ? "&" : "?"}connect_args=1`,
    );
    expect(parameter.code).toBe(1);
    expect(parameter.stderr).toMatch(/^warden-server: --from has the parameter "connect_args"/);
    const missing = await importUsers([], "sqlite:////nonexistent/old/app.db");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('warden-server: no SQLite file at "/nonexistent/old/app.db"\n');
    for (const run of [scheme, parameter, missing]) expect(run.stderr).not.toContain("s3cret");
  });

  it("refuses an unknown table or column, writing nothing", async () => {
    const table = await importUsers(["--table", "nope"]);
    expect(table.code).toBe(1);
    expect(table.stderr).toBe('warden-server: the old database has no table "nope"\n');
    const column = await importUsers(["--table", "full_users", "--email-column", "mail"]);
    expect(column.code).toBe(1);
    expect(column.stderr).toContain('--email-column: table "full_users" has no column "mail"');
  });
});
