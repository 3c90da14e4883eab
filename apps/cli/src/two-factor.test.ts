import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createManualClock, describeEachDatabase, totpCodeAt } from "@warden/auth-core/testing";
import { startTestServer, type TestServer } from "@warden/server/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { CliRun } from "./testing/run-cli.js";
import { registerAndLogin, runCli } from "./testing/run-cli.js";

// Two-factor login (issue #16) from the CLI, against the real server on each
// database. The server reads a manual clock: a test moves it to the next
// 30-second TOTP step instead of sleeping, and computes the app's codes from it.

const PASSWORD = "tangerine-orbit-47";
const WRONG_CODE_MESSAGE = "warden: the code is wrong, expired or already used\n";
const RECOVERY_CODE = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/;
// Each test runs a dozen CLI processes, each a node start-up: generous on a busy machine.
const TEST_TIMEOUT_MS = 180_000;

let folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  folders = [];
});

/** The recovery codes a text output lists, one a line, indented. */
function recoveryCodesIn(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("  "))
    .map((line) => line.trim());
}

describeEachDatabase("warden 2fa and two-factor login against a real server", (current) => {
  let server: TestServer;
  const clock = createManualClock(new Date());
  /** The code the authenticator app shows now. */
  const codeFor = (secret: string) => totpCodeAt(secret, clock.now());
  /** A code no app shows now: the right code of a step far away. */
  const wrongCodeFor = (secret: string) =>
    totpCodeAt(secret, new Date(clock.now().getTime() + 100 * 30_000));

  beforeAll(async () => {
    server = await startTestServer(
      current(),
      { REGISTER_RATE_LIMIT: "off" },
      undefined, // the default logger: silent unless TEST_LOG_LEVEL
      clock,
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A person at the CLI: a config folder of their own, against the server. */
  async function person() {
    const configHome = await mkdtemp(join(tmpdir(), "warden-cli-2fa-"));
    folders.push(configHome);
    const env = { XDG_CONFIG_HOME: configHome, WARDEN_URL: server.url };
    const warden = (args: readonly string[], stdin?: string): Promise<CliRun> =>
      runCli(args, { env, ...(stdin !== undefined ? { stdin } : {}) });
    /** This server's stored entry, if any. */
    const stored = async (): Promise<unknown> => {
      let text: string;
      try {
        text = await readFile(join(configHome, "warden", "credentials.json"), "utf8");
      } catch {
        return undefined;
      }
      return (JSON.parse(text) as { servers: Record<string, unknown> }).servers[server.url];
    };
    return { warden, stored };
  }
  type Person = Awaited<ReturnType<typeof person>>;

  /** Registers `username` and logs in. */
  async function signUp(username: string): Promise<Person> {
    const someone = await person();
    await registerAndLogin(someone.warden, username, PASSWORD);
    return someone;
  }

  /** A logged-in user with two-factor login on (through the CLI, as a script does it). */
  async function enrolled(username: string) {
    const someone = await signUp(username);
    const setup = await someone.warden(["2fa", "enable", "--json"]);
    expect(setup, setup.stderr).toMatchObject({ code: 0, stderr: "" });
    const { secret } = JSON.parse(setup.stdout) as { secret: string };
    const enabled = await someone.warden(["2fa", "enable", "--otp", codeFor(secret), "--json"]);
    expect(enabled, enabled.stderr).toMatchObject({ code: 0, stderr: "" });
    const { recoveryCodes } = JSON.parse(enabled.stdout) as { recoveryCodes: string[] };
    // The enabling code's step is used: the next code is the next step's.
    clock.advance(30);
    return { ...someone, secret, recoveryCodes };
  }

  it(
    "2fa enable: prints the QR code, the secret and the URI; --otp completes it with 10 recovery codes; whoami says so",
    async () => {
      const ada = await signUp("tf_ada");
      const before = await ada.warden(["whoami"]);
      expect(before.stdout).toMatch(/, email not verified, two-factor login off, on /);

      // Without a terminal, enable starts the setup and says how to finish it.
      const setup = await ada.warden(["2fa", "enable"]);
      expect(setup, setup.stderr).toMatchObject({ code: 0, stderr: "" });
      expect(setup.stdout).toMatch(/^Scan this QR code with your authenticator app:\n/);
      // The QR code, drawn with half blocks.
      expect(setup.stdout).toMatch(/[▀▄█]{7}/);
      const secret = /^Or type the secret in by hand: ([A-Z2-7]+)$/m.exec(setup.stdout)?.[1];
      expect(secret).toBeDefined();
      const uri = /^otpauth URI: (otpauth:\/\/totp\/\S+)$/m.exec(setup.stdout)?.[1];
      expect(new URL(uri ?? "").searchParams.get("secret")).toBe(secret);
      expect(setup.stdout).toMatch(
        /two-factor login is not on yet: run `warden 2fa enable --otp CODE` with a code from the app\n$/,
      );
      expect(JSON.parse((await ada.warden(["whoami", "--json"])).stdout)).toMatchObject({
        twoFactorEnabled: false,
      });

      // A wrong code: exit 1 with the server's reason; nothing is on.
      const wrong = await ada.warden(["2fa", "enable", "--otp", wrongCodeFor(secret ?? "")]);
      expect(wrong).toMatchObject({ code: 1, stdout: "", stderr: WRONG_CODE_MESSAGE });
      expect((await ada.warden(["whoami"])).stdout).toMatch(/two-factor login off/);

      const enabled = await ada.warden(["2fa", "enable", "--otp", codeFor(secret ?? "")]);
      expect(enabled, enabled.stderr).toMatchObject({ code: 0, stderr: "" });
      const lines = enabled.stdout.split("\n");
      expect(lines[0]).toBe(`two-factor login is on for ${server.url}`);
      expect(lines[1]).toBe("Recovery codes (each works once, in place of a code from the app):");
      const codes = recoveryCodesIn(enabled.stdout);
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      for (const code of codes) expect(code).toMatch(RECOVERY_CODE);
      expect(enabled.stdout).toMatch(
        /\nStore them somewhere safe, away from this device: they are not shown again\.\n$/,
      );

      const after = await ada.warden(["whoami"]);
      expect(after.stdout).toMatch(/, two-factor login on, on /);
      expect(JSON.parse((await ada.warden(["whoami", "--json"])).stdout)).toMatchObject({
        twoFactorEnabled: true,
      });
      clock.advance(30);

      // While it is on, enable is refused (a new setup too): the working secret and codes stay.
      const none = await ada.warden(["2fa", "enable", "--otp", codeFor(secret ?? "")]);
      expect(none).toMatchObject({
        code: 1,
        stdout: "",
        stderr:
          "warden: two-factor login is already on for tf_ada: to set up a new authenticator, turn it off first with `warden 2fa disable`\n",
      });
      const again = await ada.warden(["2fa", "enable", "--json"]);
      expect(again).toMatchObject({ code: 1, stdout: "" });
      expect(again.stderr).toMatch(/^warden: two-factor login is already on for tf_ada: /);
      const laptop = await person();
      const login = await laptop.warden(
        ["login", "tf_ada", "--password-stdin", "--otp", codeFor(secret ?? "")],
        PASSWORD,
      );
      expect(login.code, login.stderr).toBe(0);
      clock.advance(30);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "2fa enable --json: the setup's output, then the recovery codes; --otp without a pending setup is refused",
    async () => {
      const abe = await signUp("tf_abe");
      const none = await abe.warden(["2fa", "enable", "--otp", "123456"]);
      expect(none).toMatchObject({
        code: 1,
        stdout: "",
        stderr:
          "warden: no two-factor setup is pending: run `warden 2fa enable` without --otp first\n",
      });

      const first = await abe.warden(["2fa", "enable", "--json"]);
      expect(first, first.stderr).toMatchObject({ code: 0, stderr: "" });
      const replacedSetup = JSON.parse(first.stdout) as Record<string, string>;
      // A second setup replaces the pending one: only its secret's codes work.
      const json = await abe.warden(["2fa", "enable", "--json"]);
      expect(json, json.stderr).toMatchObject({ code: 0, stderr: "" });
      const pending = JSON.parse(json.stdout) as Record<string, string>;
      expect(Object.keys(pending).sort()).toEqual(["otpauthUri", "qrSvg", "secret"]);
      expect(pending.qrSvg).toMatch(/^<svg/);
      expect(pending.secret).not.toBe(replacedSetup.secret);
      const stale = await abe.warden([
        "2fa",
        "enable",
        "--otp",
        codeFor(replacedSetup.secret ?? ""),
      ]);
      expect(stale).toMatchObject({ code: 1, stderr: WRONG_CODE_MESSAGE });
      const enabled = await abe.warden([
        "2fa",
        "enable",
        "--otp",
        codeFor(pending.secret ?? ""),
        "--json",
      ]);
      expect(enabled, enabled.stderr).toMatchObject({ code: 0, stderr: "" });
      const output = JSON.parse(enabled.stdout) as { recoveryCodes: string[] };
      expect(Object.keys(output)).toEqual(["recoveryCodes"]);
      expect(output.recoveryCodes).toHaveLength(10);
      expect(JSON.parse((await abe.warden(["whoami", "--json"])).stdout)).toMatchObject({
        twoFactorEnabled: true,
      });
      clock.advance(30);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "login --otp: a wrong code exits 1 and stores nothing; a right one logs in once; no code and no terminal is a usage error",
    async () => {
      const bob = await enrolled("tf_bob");
      const laptop = await person();

      const wrong = await laptop.warden(
        ["login", "tf_bob", "--password-stdin", "--otp", wrongCodeFor(bob.secret)],
        PASSWORD,
      );
      expect(wrong).toMatchObject({ code: 1, stdout: "", stderr: WRONG_CODE_MESSAGE });
      expect(await laptop.stored()).toBeUndefined();
      expect((await laptop.warden(["whoami"])).code).toBe(3);

      // Without a terminal and without a code: exit 2, said at once, nothing stored.
      const noCode = await laptop.warden(["login", "tf_bob", "--password-stdin"], PASSWORD);
      expect(noCode).toMatchObject({
        code: 2,
        stdout: "",
        stderr:
          'warden: no terminal to ask "Two-factor code": pass --otp CODE or --recovery-code CODE\n',
      });
      expect(await laptop.stored()).toBeUndefined();

      const both = await laptop.warden(
        ["login", "tf_bob", "--password-stdin", "--otp", "123456", "--recovery-code", "abcd"],
        PASSWORD,
      );
      expect(both).toMatchObject({
        code: 2,
        stdout: "",
        stderr: "warden: pass --otp or --recovery-code, not both\n",
      });

      const code = codeFor(bob.secret);
      const right = await laptop.warden(
        ["login", "tf_bob", "--password-stdin", "--otp", code],
        PASSWORD,
      );
      expect(right).toMatchObject({
        code: 0,
        stdout: `logged in to ${server.url} as tf_bob\n`,
        stderr: "",
      });
      expect(await laptop.stored()).toMatchObject({ accessToken: expect.any(String) });
      expect((await laptop.warden(["whoami"])).stdout).toMatch(/^tf_bob .*two-factor login on/);

      // The same code again, from another machine: its step is used.
      const phone = await person();
      const reused = await phone.warden(
        ["login", "tf_bob", "--password-stdin", "--otp", code],
        PASSWORD,
      );
      expect(reused).toMatchObject({ code: 1, stdout: "", stderr: WRONG_CODE_MESSAGE });
      expect(await phone.stored()).toBeUndefined();

      // --json gives the User, never the tokens.
      clock.advance(30);
      const json = await phone.warden(
        ["login", "tf_bob", "--password-stdin", "--otp", codeFor(bob.secret), "--json"],
        PASSWORD,
      );
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ username: "tf_bob", twoFactorEnabled: true });
      expect(json.stdout).not.toMatch(/accessToken|refreshToken|eyJ/);
      clock.advance(30);

      // A wrong password is refused before any code is asked, as before.
      const badPassword = await phone.warden(
        ["login", "tf_bob", "--password-stdin"],
        "not-it-at-all",
      );
      expect(badPassword.code).toBe(1);
      expect(badPassword.stderr).not.toMatch(/code/i);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "login --recovery-code: says how many are left, warns when few; a used one is refused",
    async () => {
      const cy = await enrolled("tf_cy");
      const [first, second, ...rest] = cy.recoveryCodes;
      const laptop = await person();

      const recovered = await laptop.warden(
        ["login", "tf_cy", "--password-stdin", "--recovery-code", first ?? ""],
        PASSWORD,
      );
      expect(recovered).toMatchObject({
        code: 0,
        stdout: `logged in to ${server.url} as tf_cy with a recovery code; 9 recovery codes left\n`,
        stderr: "",
      });
      expect(await laptop.stored()).toMatchObject({ accessToken: expect.any(String) });

      const phone = await person();
      const reused = await phone.warden(
        ["login", "tf_cy", "--password-stdin", "--recovery-code", first ?? ""],
        PASSWORD,
      );
      expect(reused).toMatchObject({ code: 1, stdout: "", stderr: WRONG_CODE_MESSAGE });
      expect(await phone.stored()).toBeUndefined();

      // Typed as people type them: upper case, spaces around.
      const json = await phone.warden(
        [
          "login",
          "tf_cy",
          "--password-stdin",
          "--recovery-code",
          ` ${(second ?? "").toUpperCase()} `,
          "--json",
        ],
        PASSWORD,
      );
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        username: "tf_cy",
        recoveryCodesRemaining: 8,
      });

      // Down to 3: a warning on stderr says to make new ones.
      for (const code of rest.slice(0, 4)) {
        const used = await phone.warden(
          ["login", "tf_cy", "--password-stdin", "--recovery-code", code],
          PASSWORD,
        );
        expect(used.code, used.stderr).toBe(0);
      }
      const few = await phone.warden(
        ["login", "tf_cy", "--password-stdin", "--recovery-code", rest[4] ?? ""],
        PASSWORD,
      );
      expect(few).toMatchObject({
        code: 0,
        stdout: `logged in to ${server.url} as tf_cy with a recovery code; 3 recovery codes left\n`,
        stderr:
          "warden: only 3 recovery codes left: run `warden 2fa recovery-codes` for new ones\n",
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "2fa recovery-codes: 10 new codes for a code from the app; the old ones stop working",
    async () => {
      const dee = await enrolled("tf_dee");

      const noCode = await dee.warden(["2fa", "recovery-codes"]);
      expect(noCode).toMatchObject({
        code: 2,
        stdout: "",
        stderr: 'warden: no terminal to ask "Two-factor code": pass --otp CODE\n',
      });
      const wrong = await dee.warden(["2fa", "recovery-codes", "--otp", wrongCodeFor(dee.secret)]);
      expect(wrong).toMatchObject({ code: 1, stdout: "", stderr: WRONG_CODE_MESSAGE });

      const code = codeFor(dee.secret);
      const renewed = await dee.warden(["2fa", "recovery-codes", "--otp", code]);
      expect(renewed, renewed.stderr).toMatchObject({ code: 0, stderr: "" });
      expect(renewed.stdout.split("\n")[0]).toBe(
        "new recovery codes: the earlier ones no longer work",
      );
      const codes = recoveryCodesIn(renewed.stdout);
      expect(codes).toHaveLength(10);
      for (const fresh of codes) expect(fresh).toMatch(RECOVERY_CODE);
      expect(codes.some((fresh) => dee.recoveryCodes.includes(fresh))).toBe(false);

      // The same code twice: its step is used.
      const reused = await dee.warden(["2fa", "recovery-codes", "--otp", code]);
      expect(reused).toMatchObject({ code: 1, stdout: "", stderr: WRONG_CODE_MESSAGE });
      clock.advance(30);
      const json = await dee.warden([
        "2fa",
        "recovery-codes",
        "--otp",
        codeFor(dee.secret),
        "--json",
      ]);
      expect(json.code, json.stderr).toBe(0);
      const { recoveryCodes } = JSON.parse(json.stdout) as { recoveryCodes: string[] };
      expect(recoveryCodes).toHaveLength(10);
      clock.advance(30);

      const laptop = await person();
      const old = await laptop.warden(
        ["login", "tf_dee", "--password-stdin", "--recovery-code", codes[0] ?? ""],
        PASSWORD,
      );
      expect(old).toMatchObject({ code: 1, stderr: WRONG_CODE_MESSAGE });
      const current = await laptop.warden(
        ["login", "tf_dee", "--password-stdin", "--recovery-code", recoveryCodes[0] ?? ""],
        PASSWORD,
      );
      expect(current.code, current.stderr).toBe(0);
      expect(current.stdout).toMatch(/; 9 recovery codes left\n$/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "2fa disable: the password and a code or a recovery code; then the password alone logs in",
    async () => {
      const eve = await enrolled("tf_eve");

      // No code and no terminal: refused before the password is read.
      const noCode = await eve.warden(["2fa", "disable", "--password-stdin"], PASSWORD);
      expect(noCode).toMatchObject({
        code: 2,
        stdout: "",
        stderr:
          'warden: no terminal to ask "Two-factor code": pass --otp CODE or --recovery-code CODE\n',
      });
      const noPassword = await eve.warden(["2fa", "disable", "--otp", codeFor(eve.secret)]);
      expect(noPassword).toMatchObject({
        code: 2,
        stderr: "warden: no terminal to ask for the password: pass --password-stdin\n",
      });
      const badPassword = await eve.warden(
        ["2fa", "disable", "--password-stdin", "--otp", codeFor(eve.secret)],
        "not-it-at-all",
      );
      expect(badPassword).toMatchObject({
        code: 1,
        stderr: "warden: currentPassword: is not your current password\n",
      });
      const wrongCode = await eve.warden(
        ["2fa", "disable", "--password-stdin", "--recovery-code", "aaaa-bbbb-cccc"],
        PASSWORD,
      );
      expect(wrongCode).toMatchObject({ code: 1, stderr: WRONG_CODE_MESSAGE });
      expect((await eve.warden(["whoami"])).stdout).toMatch(/two-factor login on/);

      const disabled = await eve.warden(
        ["2fa", "disable", "--password-stdin", "--recovery-code", eve.recoveryCodes[0] ?? ""],
        PASSWORD,
      );
      expect(disabled).toMatchObject({
        code: 0,
        stdout: `two-factor login is off for tf_eve on ${server.url}\n`,
        stderr: "",
      });
      expect((await eve.warden(["whoami"])).stdout).toMatch(/two-factor login off/);
      const laptop = await person();
      const login = await laptop.warden(["login", "tf_eve", "--password-stdin"], PASSWORD);
      expect(login).toMatchObject({ code: 0, stdout: `logged in to ${server.url} as tf_eve\n` });

      // With a code from the app, and --json: the User.
      const fay = await enrolled("tf_fay");
      const json = await fay.warden(
        ["2fa", "disable", "--password-stdin", "--otp", codeFor(fay.secret), "--json"],
        PASSWORD,
      );
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        username: "tf_fay",
        twoFactorEnabled: false,
      });
      clock.advance(30);
      const again = await fay.warden(
        ["2fa", "disable", "--password-stdin", "--otp", codeFor(fay.secret)],
        PASSWORD,
      );
      expect(again).toMatchObject({
        code: 1,
        stderr: "warden: two-factor login is not enabled for this account\n",
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "admin users reset-2fa: an admin turns it off and ends the user's sessions; a user may not",
    async () => {
      const gil = await enrolled("tf_gil");
      const refused = await gil.warden(["admin", "users", "reset-2fa", "tf_gil"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/admin/);

      const admin = await signUp("tf_admin");
      const { warden: core } = server.running.deps;
      await core.users.setRole(
        (await core.users.findByUsername("tf_admin"))?.id as string,
        "admin",
      );
      const relogged = await admin.warden(["login", "tf_admin", "--password-stdin"], PASSWORD);
      expect(relogged.code, relogged.stderr).toBe(0);
      const reset = await admin.warden(["admin", "users", "reset-2fa", "tf_gil"]);
      expect(reset).toMatchObject({
        code: 0,
        stdout:
          "two-factor login is off for tf_gil; their sessions have ended (they log in with the password alone)\n",
        stderr: "",
      });
      // Gil's stored session has ended; the password alone logs in now.
      expect((await gil.warden(["whoami"])).code).toBe(3);
      const back = await gil.warden(["login", "tf_gil", "--password-stdin"], PASSWORD);
      expect(back).toMatchObject({ code: 0, stdout: `logged in to ${server.url} as tf_gil\n` });
      const twice = await admin.warden(["admin", "users", "reset-2fa", "tf_gil"]);
      expect(twice).toMatchObject({
        code: 1,
        stderr: "warden: two-factor login is not enabled for this account\n",
      });
    },
    TEST_TIMEOUT_MS,
  );
});
