import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTokenVerifier } from "@warden/client";
import type { SpawnedServer } from "@warden/server/testing";
import { freePort, runServerCommand, spawnWardenServer } from "@warden/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliRun } from "./testing/run-cli.js";
import { registerAndLogin, runCli } from "./testing/run-cli.js";

const PASSWORD = "tangerine-orbit-47";
// Access tokens live 2 s there, not 1: exp is whole seconds past a floored
// iat, so a 1 s token can expire milliseconds after it is issued, and a
// retry right after a refresh could miss it.
const EXPIRY_WAIT_MS = 3100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A user of the CLI: a server, and a config folder of their own. */
function cliFor(server: SpawnedServer, configHome: string) {
  const env = { XDG_CONFIG_HOME: configHome, WARDEN_URL: server.url };
  const warden = (args: readonly string[], stdin?: string): Promise<CliRun> =>
    runCli(args, { env, ...(stdin !== undefined ? { stdin } : {}) });
  const credentialsFile = join(configHome, "warden", "credentials.json");
  const stored = async (): Promise<{ accessToken: string; refreshToken: string }> => {
    const file = JSON.parse(await readFile(credentialsFile, "utf8")) as {
      servers: Record<string, { accessToken: string; refreshToken: string }>;
    };
    const entry = file.servers[server.url];
    if (!entry) throw new Error("no entry");
    return entry;
  };
  return { warden, credentialsFile, stored };
}

let folders: string[] = [];
async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "warden-cli-home-"));
  folders.push(folder);
  return folder;
}
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  folders = [];
});

describe("warden against a real server", () => {
  let server: SpawnedServer;

  beforeAll(async () => {
    server = await spawnWardenServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("registers, logs in, whoami in text and JSON, logout, then whoami exits 3", async () => {
    const { warden } = cliFor(server, await tempFolder());
    await registerAndLogin(warden, "ada", PASSWORD);

    const text = await warden(["whoami"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ada \(ada <ada@example.com>\), user/);

    // Options go after the command as well as before it.
    const json = await warden(["whoami", "--json"]);
    expect(json.code).toBe(0);
    const user = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(user).sort()).toEqual(
      [
        "createdAt",
        "email",
        "emailVerified",
        "id",
        "name",
        "role",
        "twoFactorEnabled",
        "username",
      ].sort(),
    );
    expect(user).toMatchObject({ username: "ada", role: "user", twoFactorEnabled: false });
    const before = await warden(["--json", "whoami"]);
    expect(JSON.parse(before.stdout)).toEqual(user);

    const out = await warden(["logout"]);
    expect(out).toMatchObject({ code: 0, stderr: "" });
    const after = await warden(["whoami"]);
    expect(after.code).toBe(3);
    expect(after.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("login reads the password from stdin, dropping one trailing CRLF only", async () => {
    const { warden } = cliFor(server, await tempFolder());
    await warden(
      [
        "register",
        "--username",
        "crlf_user",
        "--email",
        "crlf@example.com",
        "--name",
        "C",
        "--password-stdin",
      ],
      `${PASSWORD}\r\n`,
    );
    expect((await warden(["login", "crlf_user", "--password-stdin"], `${PASSWORD}\r\n`)).code).toBe(
      0,
    );
    // Two newlines: the second one is part of the password, so it is wrong.
    const wrong = await warden(["login", "crlf_user", "--password-stdin"], `${PASSWORD}\n\n`);
    expect(wrong.code).toBe(1);
  });

  it("prints a token that verifies against the JWKS, and never prints tokens otherwise", async () => {
    const { warden } = cliFor(server, await tempFolder());
    await registerAndLogin(warden, "tokens_user", PASSWORD);
    const printed = await warden(["token"]);
    expect(printed.code).toBe(0);
    const token = printed.stdout.trim();
    expect(token.split(".")).toHaveLength(3);
    const verifier = createTokenVerifier({
      issuer: server.url,
      audience: server.url,
      jwksUrl: `${server.url}/.well-known/jwks.json`,
    });
    await expect(verifier.verify(token)).resolves.toMatchObject({ kind: "user" });

    for (const args of [["whoami"], ["whoami", "--json"], ["sessions", "--json"]]) {
      const run = await warden(args);
      expect(run.stdout).not.toContain(token);
      expect(run.stdout).not.toMatch(/eyJ/);
    }
    const login = await warden(["login", "tokens_user", "--password-stdin", "--json"], PASSWORD);
    expect(login.code).toBe(0);
    expect(login.stdout).not.toMatch(/eyJ|refreshToken|accessToken/);
  });

  it("a wrong password exits 1 with one line", async () => {
    const { warden } = cliFor(server, await tempFolder());
    await registerAndLogin(warden, "wrong_pw", PASSWORD);
    const run = await warden(["login", "wrong_pw", "--password-stdin"], "not-the-password-1\n");
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/invalid username or password/);
  });

  it("a bad flag, an unknown command, a bad role exit 2", async () => {
    const { warden } = cliFor(server, await tempFolder());
    expect((await warden(["whoami", "--no-such-flag"])).code).toBe(2);
    expect((await warden(["frobnicate"])).code).toBe(2);
    expect((await warden(["login", "a", "b", "c"])).code).toBe(2);
    expect((await warden(["--server", "not a url", "whoami"])).code).toBe(2);
    expect((await warden(["admin", "users", "set-role", "ada", "root"])).code).toBe(2);
    expect((await warden(["--help"])).code).toBe(0);
  });

  it("a refused password or field ends register with one line per bad field, exit 1", async () => {
    const { warden } = cliFor(server, await tempFolder());
    const register = (username: string, email: string, password: string, ...more: string[]) =>
      warden(
        [
          "register",
          "--username",
          username,
          "--email",
          email,
          "--name",
          "R",
          "--password-stdin",
          ...more,
        ],
        `${password}\n`,
      );
    // Without a terminal there is no one to ask again: the same exit status as before.
    const short = await register("short_pw", "short@example.com", "short");
    expect(short).toMatchObject({
      code: 1,
      stdout: "",
      stderr: "warden: password: must be at least 8 characters\n",
    });
    const common = await register("common_pw", "common@example.com", "password");
    expect(common).toMatchObject({
      code: 1,
      stderr: "warden: password: is one of the most common passwords; choose another\n",
    });
    const two = await register("x", "not-an-email", PASSWORD);
    expect(two.code).toBe(1);
    expect(two.stderr).toBe(
      "warden: username: must be at least 3 characters\nwarden: email: must be a valid email address\n",
    );
    // The code is for --debug only.
    const debug = await register("short_pw", "short@example.com", "short", "--debug");
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(
      /^warden: password: must be at least 8 characters\ncode: BAD_REQUEST \(HTTP 400, auth\.register\)\n/,
    );

    expect((await register("taken_name", "taken@example.com", PASSWORD)).code).toBe(0);
    const taken = await register("TAKEN_NAME", "taken2@example.com", PASSWORD);
    expect(taken).toMatchObject({ code: 1, stderr: "warden: that username is already taken\n" });
  });

  it("an unanswered question without a terminal exits 2 at once", async () => {
    const { warden } = cliFor(server, await tempFolder());
    // "At once" is held by the test timeout: a prompt waiting on a closed stdin would never return.
    const login = await warden(["login", "someone"]);
    expect(login.code).toBe(2);
    expect(login.stderr).toMatch(/--password-stdin/);
    const register = await warden(["register", "--username", "x_user"]);
    expect(register.code).toBe(2);
    expect(register.stderr).toMatch(/--email/);
  });

  it("an unreachable server exits 1 with a clear line and no stack", async () => {
    const { warden } = cliFor(server, await tempFolder());
    // A port nothing listens on.
    const dead = `http://127.0.0.1:${await freePort()}`;
    const run = await warden(["login", "someone", "--password-stdin", "--server", dead], PASSWORD);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`warden: cannot reach the Warden server at ${dead} (ECONNREFUSED)\n`);
    const debug = await warden(
      ["login", "someone", "--password-stdin", "--server", dead, "--debug"],
      PASSWORD,
    );
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it("keeps credentials 0600 in a 0700 folder, tightening looser ones", async () => {
    const home = await tempFolder();
    await mkdir(join(home, "warden"), { mode: 0o755 });
    await chmod(join(home, "warden"), 0o755);
    const { warden, credentialsFile } = cliFor(server, home);
    await registerAndLogin(warden, "modes_user", PASSWORD);
    expect((await stat(join(home, "warden"))).mode & 0o777).toBe(0o700);
    expect((await stat(credentialsFile)).mode & 0o777).toBe(0o600);

    await chmod(credentialsFile, 0o644);
    expect((await warden(["whoami"])).code).toBe(0);
    expect((await stat(credentialsFile)).mode & 0o777).toBe(0o600);
  });

  it("keeps one entry per server", async () => {
    const home = await tempFolder();
    const { warden, credentialsFile } = cliFor(server, home);
    await registerAndLogin(warden, "two_servers", PASSWORD);
    const file = JSON.parse(await readFile(credentialsFile, "utf8")) as {
      servers: Record<string, unknown>;
    };
    file.servers["http://other.test"] = { accessToken: "x", refreshToken: "y", savedAt: "" };
    await writeFile(credentialsFile, JSON.stringify(file));
    expect((await warden(["logout"])).code).toBe(0);
    const after = JSON.parse(await readFile(credentialsFile, "utf8")) as {
      servers: Record<string, unknown>;
    };
    expect(Object.keys(after.servers)).toEqual(["http://other.test"]);
  });

  it("lists sessions and revokes one; revoking the current one ends the login (exit 3)", async () => {
    const home = await tempFolder();
    const { warden } = cliFor(server, home);
    await registerAndLogin(warden, "sessions_user", PASSWORD);
    // A second session, from another config folder.
    const other = cliFor(server, await tempFolder());
    expect(
      (await other.warden(["login", "sessions_user", "--password-stdin"], PASSWORD)).code,
    ).toBe(0);

    const listed = await warden(["sessions", "--json"]);
    expect(listed.code).toBe(0);
    const sessions = JSON.parse(listed.stdout) as {
      id: string;
      current: boolean;
      createdAt: string;
    }[];
    expect(sessions).toHaveLength(2);
    const text = await warden(["sessions"]);
    expect(text.stdout).toMatch(/^\s+ID\s+CREATED/);
    // Both sessions began moments ago: the table says so, and shows no ISO time.
    expect(text.stdout).toMatch(/\b(now|\d+ seconds? ago)\s+(now|\d+ seconds? ago)\s+127\.0\.0\.1/);
    expect(text.stdout).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(sessions.every((session) => /^\d{4}-\d\d-\d\dT.*Z$/.test(session.createdAt))).toBe(true);

    const theirs = sessions.find((session) => !session.current);
    if (!theirs) throw new Error("no other session");
    const revoked = await warden(["sessions", "revoke", theirs.id]);
    expect(revoked).toMatchObject({ code: 0, stderr: "" });
    expect((await other.warden(["whoami"])).code).toBe(3);

    const again = await warden(["sessions", "revoke", theirs.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("warden: no such session\n");

    const mine = sessions.find((session) => session.current);
    if (!mine) throw new Error("no current session");
    expect((await warden(["sessions", "revoke", mine.id])).code).toBe(0);
    expect((await warden(["whoami"])).code).toBe(3);
  });

  it("admin users: list, set-role, disable, enable, by username", async () => {
    const admin = cliFor(server, await tempFolder());
    await registerAndLogin(admin.warden, "boss", PASSWORD);
    const user = cliFor(server, await tempFolder());
    await registerAndLogin(user.warden, "Worker_Bee", PASSWORD);

    const forbidden = await admin.warden(["admin", "users", "list"]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toBe("warden: admins only\n");

    expect((await runServerCommand(server, ["promote", "boss"])).code).toBe(0);
    // A promotion ends the user's sessions: they log in again, as admin.
    expect((await admin.warden(["login", "boss", "--password-stdin"], PASSWORD)).code).toBe(0);

    const page = await admin.warden(["admin", "users", "list", "--query", "worker", "--json"]);
    expect(page.code).toBe(0);
    expect(JSON.parse(page.stdout)).toMatchObject({
      items: [{ username: "Worker_Bee" }],
      nextCursor: null,
    });

    const promoted = await admin.warden([
      "admin",
      "users",
      "set-role",
      "worker_bee",
      "admin",
      "--json",
    ]);
    expect(promoted.code).toBe(0);
    expect(JSON.parse(promoted.stdout)).toMatchObject({ username: "Worker_Bee", role: "admin" });

    expect((await admin.warden(["admin", "users", "disable", "WORKER_BEE"])).code).toBe(0);
    expect((await user.warden(["whoami"])).code).toBe(3);
    const disabledLogin = await user.warden(["login", "Worker_Bee", "--password-stdin"], PASSWORD);
    expect(disabledLogin.code).toBe(1);

    expect((await admin.warden(["admin", "users", "enable", "worker_bee"])).code).toBe(0);
    expect((await user.warden(["login", "Worker_Bee", "--password-stdin"], PASSWORD)).code).toBe(0);

    const created = await admin.warden([
      "admin",
      "clients",
      "create",
      "reports",
      "--scope",
      "users:read",
      "--json",
    ]);
    expect(created.code).toBe(0);
    const client = JSON.parse(created.stdout) as {
      clientId: string;
      clientSecret: string;
      scopes: string[];
    };
    expect(client.scopes).toEqual(["users:read"]);
    expect(client.clientSecret).toBeTruthy();
    const clients = await admin.warden(["admin", "clients", "list", "--json"]);
    expect(clients.stdout).toContain(client.clientId);
    expect(clients.stdout).not.toContain(client.clientSecret);
    expect((await admin.warden(["admin", "clients", "revoke", client.clientId])).code).toBe(0);

    const missing = await admin.warden(["admin", "users", "disable", "nobody_here"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no user named nobody_here/);
  });
});

describe("warden with short-lived access tokens", () => {
  let server: SpawnedServer;

  beforeAll(async () => {
    server = await spawnWardenServer({ ACCESS_TOKEN_TTL: "2" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("whoami refreshes an expired access token and saves the rotated refresh token", async () => {
    const { warden, stored } = cliFor(server, await tempFolder());
    await registerAndLogin(warden, "expiring", PASSWORD);
    const before = await stored();
    await sleep(EXPIRY_WAIT_MS);
    const run = await warden(["whoami"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const after = await stored();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    // The saved token is the live one: the session goes on.
    await sleep(EXPIRY_WAIT_MS);
    expect((await warden(["whoami"])).code).toBe(0);
  });

  it("token refreshes an expired access token before printing it", async () => {
    const { warden, stored } = cliFor(server, await tempFolder());
    await registerAndLogin(warden, "expiring_token", PASSWORD);
    const before = await stored();
    await sleep(EXPIRY_WAIT_MS);
    const run = await warden(["token"]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).not.toBe(before.accessToken);
    expect(run.stdout.trim()).toBe((await stored()).accessToken);
  });

  it("concurrent processes refreshing at once keep the session and the newest refresh token", async () => {
    const { warden, stored } = cliFor(server, await tempFolder());
    await registerAndLogin(warden, "racing", PASSWORD);
    await sleep(EXPIRY_WAIT_MS);
    const runs = await Promise.all(Array.from({ length: 4 }, () => warden(["whoami"])));
    expect(runs.map((run) => `${run.code} ${run.stderr}`)).toEqual(Array(4).fill("0 "));
    // Had two of them presented the same refresh token, reuse detection would
    // have ended the session, and this would exit 3.
    await sleep(EXPIRY_WAIT_MS);
    expect((await warden(["sessions", "--json"])).code).toBe(0);
    expect((await stored()).refreshToken).toBeTruthy();
  });

  it("logout works with an expired access token, and forgets the entry", async () => {
    const { warden, credentialsFile } = cliFor(server, await tempFolder());
    await registerAndLogin(warden, "late_logout", PASSWORD);
    await sleep(EXPIRY_WAIT_MS);
    const logout = await warden(["logout", "--debug"]);
    expect(logout.code, logout.stderr).toBe(0);
    const file = JSON.parse(await readFile(credentialsFile, "utf8")) as {
      servers: Record<string, unknown>;
    };
    expect(file.servers).toEqual({});
    expect((await warden(["whoami"])).code).toBe(3);
  });
});
