import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestDatabase } from "@warden/auth-core/testing";
import {
  createManualClock,
  createTestDatabase,
  databaseTargets,
  totpCodeAt,
} from "@warden/auth-core/testing";
import { startTestServer, type TestServer } from "@warden/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./testing/run-cli.js";
import { hasScript, inTerminal } from "./testing/terminal.js";

// The two-factor questions as a person at a terminal meets them: the QR code
// to scan and the code asked at `2fa enable`, the code asked after the
// password at `login`. SQLite only: two-factor.test.ts covers every database.

const PASSWORD = "tangerine-orbit-47";

describe.skipIf(!hasScript)(
  "two-factor login at a terminal",
  // Several node processes per test on a machine that may be busy.
  { timeout: 120_000 },
  () => {
    let database: TestDatabase;
    let server: TestServer;
    // The server's time: moved to the next TOTP step instead of sleeping.
    const clock = createManualClock(new Date());
    let configHome: string;

    beforeAll(async () => {
      const sqlite = databaseTargets().find((target) => target.dialect === "sqlite");
      if (!sqlite) throw new Error("no SQLite target");
      database = await createTestDatabase(sqlite);
      server = await startTestServer(database, { REGISTER_RATE_LIMIT: "off" }, undefined, clock);
      configHome = await mkdtemp(join(tmpdir(), "warden-pty-2fa-"));
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await database?.drop();
      if (configHome) await rm(configHome, { recursive: true, force: true });
    });

    it("2fa enable shows the QR code and asks the code; login asks it after the password", async () => {
      const env = { XDG_CONFIG_HOME: configHome, WARDEN_URL: server.url };
      const registered = await runCli(
        [
          "register",
          "--username",
          "pty_tf_gus",
          "--email",
          "gus@example.com",
          "--name",
          "Gus",
          "--password-stdin",
        ],
        { env, stdin: PASSWORD },
      );
      expect(registered.code, registered.stderr).toBe(0);
      const login = await runCli(["login", "pty_tf_gus", "--password-stdin"], {
        env,
        stdin: PASSWORD,
      });
      expect(login.code, login.stderr).toBe(0);
      const terminal = (args: readonly string[]) =>
        inTerminal(args, { server: server.url, configHome });

      const enable = terminal(["2fa", "enable"]);
      await enable.waitFor("Scan this QR code with your authenticator app:");
      await enable.waitFor("otpauth URI: otpauth://");
      await enable.waitFor("Two-factor code");
      expect(enable.output()).toMatch(/[▀▄█]{7}/);
      const secret = /Or type the secret in by hand: ([A-Z2-7]+)/.exec(enable.output())?.[1];
      if (secret === undefined) throw new Error(`no secret shown: ${enable.output()}`);
      enable.type(totpCodeAt(secret, clock.now()));
      const enabled = await enable.closed;
      expect(enabled, enable.output()).toBe(0);
      expect(enable.output()).toContain(`two-factor login is on for ${server.url}`);
      expect(enable.output().match(/^ {2}[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}\r$/gm)).toHaveLength(
        10,
      );
      expect(enable.output()).toContain("Store them somewhere safe");
      clock.advance(30);

      // Wrong codes at the prompt are asked again; the third ends it: exit 1, the server's reason.
      const wrongCode = totpCodeAt(secret, new Date(clock.now().getTime() + 100 * 30_000));
      const wrong = terminal(["login", "pty_tf_gus"]);
      await wrong.waitFor("Password");
      wrong.type(PASSWORD);
      for (let i = 0; i < 2; i += 1) {
        await wrong.waitFor("Two-factor code");
        wrong.type(wrongCode);
        await wrong.waitFor("warden: the code is wrong, expired or already used; try again");
      }
      await wrong.waitFor("Two-factor code");
      wrong.type(wrongCode);
      const refused = await wrong.closed;
      expect(refused, wrong.output()).toBe(1);
      expect(wrong.output()).toContain("warden: the code is wrong, expired or already used\r\n");
      expect(wrong.output()).not.toContain(PASSWORD);

      // A typo, then the right code: one login, no password asked again.
      const typo = terminal(["login", "pty_tf_gus"]);
      await typo.waitFor("Password");
      typo.type(PASSWORD);
      await typo.waitFor("Two-factor code");
      typo.type(wrongCode);
      await typo.waitFor("try again");
      await typo.waitFor("Two-factor code");
      typo.type(totpCodeAt(secret, clock.now()));
      expect(await typo.closed, typo.output()).toBe(0);
      expect(typo.output()).toContain(`logged in to ${server.url} as pty_tf_gus`);
      clock.advance(30);

      const right = terminal(["login", "pty_tf_gus"]);
      await right.waitFor("Password");
      right.type(PASSWORD);
      await right.waitFor("Two-factor code");
      right.type(totpCodeAt(secret, clock.now()));
      const code = await right.closed;
      expect(code, right.output()).toBe(0);
      expect(right.output()).toContain(`logged in to ${server.url} as pty_tf_gus`);
      expect(right.output()).not.toContain(PASSWORD);
      const whoami = await runCli(["whoami"], { env });
      expect(whoami.stdout).toMatch(/^pty_tf_gus .*, two-factor login on, on /);
    });
  },
);
