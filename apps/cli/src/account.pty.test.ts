import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MailCatcher, SpawnedServer } from "@warden/server/testing";
import { linkIn, spawnWardenServer, startMailCatcher } from "@warden/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./testing/run-cli.js";
import { hasScript, inTerminal } from "./testing/terminal.js";

// The account commands' questions as a person at a terminal meets them:
// hidden passwords, the password asked twice, the username typed to confirm.

const PASSWORD = "tangerine-orbit-47";
const NEW_PASSWORD = "marmalade-comet-82";
const MAIL_WAIT_MS = 30_000;

describe.skipIf(!hasScript)(
  "account commands at a terminal",
  // Several node processes per test on a machine that may be busy.
  { timeout: 120_000 },
  () => {
    let server: SpawnedServer;
    let catcher: MailCatcher;
    const folders: string[] = [];

    beforeAll(async () => {
      catcher = await startMailCatcher();
      server = await spawnWardenServer({ SMTP_URL: catcher.smtpUrl });
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
      await catcher?.close();
      await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
    });

    /** A registered, logged-in user with a config folder of their own. */
    async function signUp(username: string) {
      const configHome = await mkdtemp(join(tmpdir(), "warden-pty-account-"));
      folders.push(configHome);
      const env = { XDG_CONFIG_HOME: configHome, WARDEN_URL: server.url };
      const email = `${username}@example.com`;
      const registered = await runCli(
        [
          "register",
          "--username",
          username,
          "--email",
          email,
          "--name",
          username,
          "--password-stdin",
        ],
        { env, stdin: PASSWORD },
      );
      expect(registered.code, registered.stderr).toBe(0);
      const login = await runCli(["login", username, "--password-stdin"], { env, stdin: PASSWORD });
      expect(login.code, login.stderr).toBe(0);
      const warden = (args: readonly string[], stdin?: string) =>
        runCli(args, { env, ...(stdin !== undefined ? { stdin } : {}) });
      const terminal = (args: readonly string[]) =>
        inTerminal(args, { server: server.url, configHome });
      return { email, warden, terminal };
    }

    async function resetLink(email: string): Promise<string> {
      const mail = await catcher.waitForMail(email, {
        subject: /reset your password/i,
        timeoutMs: MAIL_WAIT_MS,
      });
      return linkIn(mail, "/account/reset-password").token;
    }

    it("reset-password --token: two different passwords exit 2 and leave the link usable", async () => {
      const ivy = await signUp("pty_reset_ivy");
      expect((await ivy.warden(["reset-password", "--email", ivy.email])).code).toBe(0);
      const token = await resetLink(ivy.email);

      const mismatch = ivy.terminal(["reset-password", "--token", token]);
      await mismatch.waitFor("New password");
      mismatch.type(NEW_PASSWORD);
      await mismatch.waitFor("Repeat the password");
      mismatch.type(`${NEW_PASSWORD}-typo`);
      const code = await mismatch.closed;
      expect(code, mismatch.output()).toBe(2);
      expect(mismatch.output()).toContain("warden: the passwords do not match\r\n");
      expect(mismatch.output()).not.toContain(NEW_PASSWORD);
      // Nothing was sent: the old password still works, the link too.
      expect((await ivy.warden(["whoami"])).code).toBe(0);

      // A password the server refuses is asked again; the link survives it.
      const retry = ivy.terminal(["reset-password", "--token", token]);
      await retry.waitFor("New password");
      retry.type("short");
      await retry.waitFor("Repeat the password");
      retry.type("short");
      await retry.waitFor("warden: newPassword: must be at least 8 characters");
      await retry.waitFor("New password");
      retry.type(NEW_PASSWORD);
      await retry.waitFor("Repeat the password");
      retry.type(NEW_PASSWORD);
      const retried = await retry.closed;
      const output = retry.output();
      expect(retried, output).toBe(0);
      expect(output).toContain("the password has been changed");
      expect(output).not.toContain(NEW_PASSWORD);
      expect(output).not.toContain(token);
      // The stored login of that account ended with the reset, and is forgotten.
      expect((await ivy.warden(["whoami"])).code).toBe(3);
      expect(
        (await ivy.warden(["login", "pty_reset_ivy", "--password-stdin"], NEW_PASSWORD)).code,
      ).toBe(0);
    });

    it("change-email asks for the current password, hidden", async () => {
      const jack = await signUp("pty_change_jack");
      const terminal = jack.terminal(["change-email", "jack-new@example.com"]);
      await terminal.waitFor("Current password");
      terminal.type(PASSWORD);
      const code = await terminal.closed;
      const output = terminal.output();
      expect(code, output).toBe(0);
      expect(output).toContain("sent a confirmation link to jack-new@example.com");
      expect(output).not.toContain(PASSWORD);
      const mail = await catcher.waitForMail("jack-new@example.com", { timeoutMs: MAIL_WAIT_MS });
      const { token } = linkIn(mail, "/account/verify-email");
      expect((await jack.warden(["verify-email", token])).code).toBe(0);
      expect((await jack.warden(["whoami"])).stdout).toMatch(/<jack-new@example.com>/);
    });

    it("delete-account asks to type the username: a wrong one exits 2 and deletes nothing", async () => {
      const kim = await signUp("pty_delete_kim");
      const wrong = kim.terminal(["delete-account"]);
      await wrong.waitFor("Type the username (pty_delete_kim) to confirm");
      wrong.type("pty_delete_ki");
      const refused = await wrong.closed;
      expect(refused, wrong.output()).toBe(2);
      expect(wrong.output()).toContain("warden: that is not the username: nothing was deleted\r\n");
      // Refused before the password was asked.
      expect(wrong.output()).not.toContain("Current password");
      expect((await kim.warden(["whoami"])).code).toBe(0);

      const right = kim.terminal(["delete-account"]);
      await right.waitFor("Type the username (pty_delete_kim) to confirm");
      right.type("pty_delete_kim");
      await right.waitFor("Current password");
      right.type(PASSWORD);
      const code = await right.closed;
      const output = right.output();
      expect(code, output).toBe(0);
      expect(output).toContain("deleted the account pty_delete_kim on");
      expect(output).not.toContain(PASSWORD);
      expect((await kim.warden(["whoami"])).code).toBe(3);
      expect(
        (await kim.warden(["login", "pty_delete_kim", "--password-stdin"], PASSWORD)).code,
      ).toBe(1);
    });
  },
);
