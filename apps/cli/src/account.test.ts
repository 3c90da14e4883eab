import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MailCatcher, SpawnedServer } from "@warden/server/testing";
import { linkIn, spawnWardenServer, startMailCatcher } from "@warden/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliRun } from "./testing/run-cli.js";
import { runCli } from "./testing/run-cli.js";

// The account commands (issue #15) against the real built server, which
// mails its links to an SMTP server in this process.

const PASSWORD = "tangerine-orbit-47";
const NEW_PASSWORD = "marmalade-comet-82";
const VERIFY = /verify your email/i;
const CONFIRM = /confirm your new email/i;
const RESET = /reset your password/i;
// The mail leaves the server in the background: on a loaded machine, seconds later.
const MAIL_WAIT_MS = 30_000;

let folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  folders = [];
});

/** A person at the CLI: a config folder of their own, against `server`. */
async function person(server: SpawnedServer) {
  const configHome = await mkdtemp(join(tmpdir(), "warden-cli-account-"));
  folders.push(configHome);
  const env = { XDG_CONFIG_HOME: configHome, WARDEN_URL: server.url };
  const warden = (args: readonly string[], stdin?: string): Promise<CliRun> =>
    runCli(args, { env, ...(stdin !== undefined ? { stdin } : {}) });
  const credentialsFile = join(configHome, "warden", "credentials.json");
  /** This server's stored entry, if any. */
  const stored = async (): Promise<unknown> => {
    const file = JSON.parse(await readFile(credentialsFile, "utf8")) as {
      servers: Record<string, unknown>;
    };
    return file.servers[server.url];
  };
  return { warden, stored };
}
type Person = Awaited<ReturnType<typeof person>>;

/** Registers `username` (`<username>@example.com` unless given) and logs in. */
async function signUp(
  server: SpawnedServer,
  username: string,
  email = `${username}@example.com`,
): Promise<Person & { email: string }> {
  const someone = await person(server);
  const registered = await someone.warden(
    ["register", "--username", username, "--email", email, "--name", username, "--password-stdin"],
    `${PASSWORD}\n`,
  );
  expect(registered, registered.stderr).toMatchObject({ code: 0, stderr: "" });
  const loggedIn = await someone.warden(["login", username, "--password-stdin"], PASSWORD);
  expect(loggedIn, loggedIn.stderr).toMatchObject({ code: 0, stderr: "" });
  return { ...someone, email };
}

/** Neither the token nor the password is anywhere in what the CLI wrote. */
function expectNoSecrets(run: CliRun, ...secrets: string[]): void {
  for (const secret of secrets) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/eyJ|accessToken|refreshToken/);
}

// Each test runs a dozen CLI processes, each a node start-up: generous on a busy machine.
describe("warden account commands against a real server with real mail", {
  timeout: 180_000,
}, () => {
  let server: SpawnedServer;
  let catcher: MailCatcher;

  beforeAll(async () => {
    // Mail to bounce.* is refused by the mail server: the resend's failure path.
    catcher = await startMailCatcher({ rejectRecipients: /^bounce/ });
    server = await spawnWardenServer({
      SMTP_URL: catcher.smtpUrl,
      MAIL_FROM: "warden@example.com",
    });
  });
  afterAll(async () => {
    await server?.stop();
    await catcher?.close();
  });

  it("verify-email confirms the address from the registration mail; whoami says so", async () => {
    const ada = await signUp(server, "verify_ada");
    const { token, url } = linkIn(
      await catcher.waitForMail(ada.email, { subject: VERIFY, timeoutMs: MAIL_WAIT_MS }),
      "/account/verify-email",
    );

    const before = await ada.warden(["whoami"]);
    expect(before.stdout).toMatch(
      /^verify_ada \(verify_ada <verify_ada@example.com>\), user, email not verified, two-factor login off, on /,
    );
    expect(JSON.parse((await ada.warden(["whoami", "--json"])).stdout)).toMatchObject({
      emailVerified: false,
    });

    // No login needed: the link is the proof. The whole link works as well as its token.
    const stranger = await person(server);
    const verified = await stranger.warden(["verify-email", url]);
    expect(verified).toMatchObject({
      code: 0,
      stdout: `verified verify_ada@example.com on ${server.url}\n`,
      stderr: "",
    });
    expectNoSecrets(verified, token);

    const after = await ada.warden(["whoami"]);
    expect(after.stdout).toMatch(/, user, email verified, two-factor login off, on /);
    expect(JSON.parse((await ada.warden(["whoami", "--json"])).stdout)).toMatchObject({
      emailVerified: true,
    });

    // A used link, and one that was never mailed, are refused: exit 1, one line.
    const reused = await stranger.warden(["verify-email", token]);
    expect(reused).toMatchObject({
      code: 1,
      stdout: "",
      stderr:
        "warden: this link is not valid: it was used, replaced by a newer one, or has expired\n",
    });
    expectNoSecrets(reused, token);
    const forged = await stranger.warden(["verify-email", "A".repeat(43)]);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/^warden: .*\n$/);
    const json = await stranger.warden(["verify-email", token, "--json"]);
    expect(json.code).toBe(1);
    expect(json.stdout).toBe("");

    // Already verified: nothing to resend.
    const resend = await ada.warden(["resend-verification"]);
    expect(resend).toMatchObject({
      code: 1,
      stderr: "warden: this email address is already verified\n",
    });
    // A missing argument is a usage error.
    expect((await stranger.warden(["verify-email"])).code).toBe(2);
  });

  it("resend-verification mails a new link that works and kills the old one; throttled after 3", async () => {
    const bob = await signUp(server, "resend_bob");
    const first = linkIn(
      await catcher.waitForMail(bob.email, { subject: VERIFY, timeoutMs: MAIL_WAIT_MS }),
      "/account/verify-email",
    );

    const resent = await bob.warden(["resend-verification"]);
    expect(resent).toMatchObject({ code: 0, stderr: "" });
    expect(resent.stdout).toMatch(/^sent a new verification link to resend_bob@example.com/);
    const second = linkIn(
      await catcher.waitForMail(bob.email, { subject: VERIFY, timeoutMs: MAIL_WAIT_MS }),
      "/account/verify-email",
    );
    expect(second.token).not.toBe(first.token);
    expectNoSecrets(resent, first.token, second.token);

    expect(await bob.warden(["resend-verification", "--json"])).toMatchObject({
      code: 0,
      stdout: '{\n  "ok": true\n}\n',
    });
    const third = linkIn(
      await catcher.waitForMail(bob.email, { subject: VERIFY, timeoutMs: MAIL_WAIT_MS }),
      "/account/verify-email",
    );
    expect((await bob.warden(["resend-verification"])).code).toBe(0);
    await catcher.waitForMail(bob.email, { subject: VERIFY, timeoutMs: MAIL_WAIT_MS });
    const throttled = await bob.warden(["resend-verification"]);
    expect(throttled).toMatchObject({
      code: 1,
      stderr: "warden: too many attempts; try again later\n",
    });

    // Each resend killed the link before it.
    expect((await bob.warden(["verify-email", first.token])).code).toBe(1);
    expect((await bob.warden(["verify-email", third.token])).code).toBe(1);

    // Not logged in: exit 3, as every command that needs a login.
    const nobody = await person(server);
    expect((await nobody.warden(["resend-verification"])).code).toBe(3);
  });

  it("resend-verification says so when the mail server refuses the mail (exit 1)", async () => {
    const bounce = await signUp(server, "bounce_user", "bounce@example.com");
    const failed = await bounce.warden(["resend-verification"]);
    expect(failed).toMatchObject({
      code: 1,
      stdout: "",
      stderr: "warden: the mail could not be sent; try again shortly\n",
    });
    const debug = await bounce.warden(["resend-verification", "--debug"]);
    expect(debug.stderr).toMatch(
      /^warden: the mail could not be sent.*\ncode: SERVICE_UNAVAILABLE \(HTTP 503/,
    );
  });

  it("reset-password --email answers the same for any address; --token sets the password and forgets the login", async () => {
    const carol = await signUp(server, "reset_carol");
    // Logged in to another account in a second folder: its login must survive carol's reset.
    const dave = await signUp(server, "reset_dave");

    const known = await carol.warden(["reset-password", "--email", carol.email]);
    const unknown = await carol.warden(["reset-password", "--email", "nobody-here@example.com"]);
    expect(known).toMatchObject({ code: 0, stderr: "" });
    expect(unknown).toMatchObject({ code: 0, stderr: "" });
    expect(unknown.stdout.replace("nobody-here@example.com", carol.email)).toBe(known.stdout);
    const { token, url } = linkIn(
      await catcher.waitForMail(carol.email, { subject: RESET, timeoutMs: MAIL_WAIT_MS }),
      "/account/reset-password",
    );
    expectNoSecrets(known, token);

    // A password the server refuses leaves the link usable; without a terminal it ends the command.
    const short = await carol.warden(
      ["reset-password", "--token", token, "--password-stdin"],
      "short\n",
    );
    expect(short).toMatchObject({
      code: 1,
      stdout: "",
      stderr: "warden: newPassword: must be at least 8 characters\n",
    });
    expectNoSecrets(short, token, "short");
    // No password and no terminal: a usage error, at once.
    const unasked = await carol.warden(["reset-password", "--token", token]);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toMatch(/--password-stdin/);
    // Nothing on stdin.
    expect(
      (await carol.warden(["reset-password", "--token", token, "--password-stdin"], "")).code,
    ).toBe(2);

    const reset = await carol.warden(
      ["reset-password", "--token", url, "--password-stdin"],
      `${NEW_PASSWORD}\n`,
    );
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stderr).toBe("");
    expect(reset.stdout).toMatch(
      /^the password has been changed; every session of the account has ended, so the stored login for http:\/\/127\.0\.0\.1:\d+ is forgotten: log in with the new password\n$/,
    );
    expectNoSecrets(reset, token, NEW_PASSWORD, PASSWORD);
    // Forgotten as `warden logout` forgets: the entry is gone, whoami exits 3.
    expect(await carol.stored()).toBeUndefined();
    expect((await carol.warden(["whoami"])).code).toBe(3);
    // Another account's login, in another folder, is untouched.
    expect((await dave.warden(["whoami"])).code).toBe(0);

    // The link is used up; the old password is dead, the new one works.
    const again = await carol.warden(
      ["reset-password", "--token", token, "--password-stdin"],
      `${NEW_PASSWORD}x\n`,
    );
    expect(again).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^warden: this link is not valid/),
    });
    expect((await carol.warden(["login", "reset_carol", "--password-stdin"], PASSWORD)).code).toBe(
      1,
    );
    expect(
      (await carol.warden(["login", "reset_carol", "--password-stdin"], NEW_PASSWORD)).code,
    ).toBe(0);
    // The owner was told.
    await catcher.waitForMail(carol.email, {
      subject: /your password was changed/i,
      timeoutMs: MAIL_WAIT_MS,
    });

    // A reset of someone else's account, run where dave is logged in, keeps dave's login.
    expect((await dave.warden(["reset-password", "--email", carol.email])).code).toBe(0);
    const next = linkIn(
      await catcher.waitForMail(carol.email, { subject: RESET, timeoutMs: MAIL_WAIT_MS }),
      "/account/reset-password",
    );
    const other = await dave.warden(
      ["reset-password", "--token", next.token, "--password-stdin"],
      `${PASSWORD}\n`,
    );
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toBe(
      "the password has been changed; every session of the account has ended: log in with the new password\n",
    );
    expect(await dave.stored()).toBeDefined();
    expect((await dave.warden(["whoami"])).code).toBe(0);
  });

  it("reset-password: usage errors exit 2, a malformed address exits 1, the 4th request in 15 minutes is refused", async () => {
    const someone = await person(server);
    expect((await someone.warden(["reset-password"])).code).toBe(2);
    const both = await someone.warden([
      "reset-password",
      "--email",
      "a@example.com",
      "--token",
      "x",
    ]);
    expect(both).toMatchObject({
      code: 2,
      stderr: "warden: reset-password takes --email or --token, not both\n",
    });
    const bad = await someone.warden(["reset-password", "--email", "not-an-address"]);
    expect(bad).toMatchObject({
      code: 1,
      stderr: "warden: email: must be a valid email address\n",
    });

    for (let i = 0; i < 3; i += 1)
      expect((await someone.warden(["reset-password", "--email", "often@example.com"])).code).toBe(
        0,
      );
    const throttled = await someone.warden(["reset-password", "--email", "often@example.com"]);
    expect(throttled).toMatchObject({
      code: 1,
      stdout: "",
      stderr: "warden: too many attempts; try again later\n",
    });
  });

  it("profile set --name changes the name", async () => {
    const erin = await signUp(server, "profile_erin");
    const set = await erin.warden(["profile", "set", "--name", "Erin Example"]);
    expect(set).toMatchObject({ code: 0, stdout: "your name is now Erin Example\n", stderr: "" });
    expect((await erin.warden(["whoami"])).stdout).toMatch(
      /^profile_erin \(Erin Example <profile_erin@example.com>\)/,
    );
    const json = await erin.warden(["--json", "profile", "set", "--name", "Erin E."]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      username: "profile_erin",
      name: "Erin E.",
      emailVerified: false,
    });

    const empty = await erin.warden(["profile", "set", "--name", ""]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^warden: name: .+\n$/);
    const long = await erin.warden(["profile", "set", "--name", "x".repeat(101)]);
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/^warden: name: /);
    // No name and no terminal to ask it: exit 2 at once.
    const unasked = await erin.warden(["profile", "set"]);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toMatch(/--name/);
    expect((await (await person(server)).warden(["profile", "set", "--name", "X"])).code).toBe(3);
  });

  it("change-email: wrong password and taken address refused; the link changes the address", async () => {
    const frank = await signUp(server, "change_frank");
    await signUp(server, "change_taken");

    const wrong = await frank.warden(
      ["change-email", "frank2@example.com", "--password-stdin"],
      "not-the-password-1\n",
    );
    expect(wrong).toMatchObject({ code: 1, stdout: "" });
    expect(wrong.stderr).toBe("warden: currentPassword: is not your current password\n");
    expectNoSecrets(wrong, "not-the-password-1");
    // Still logged in: a wrong password is not an ended session.
    expect((await frank.warden(["whoami"])).code).toBe(0);

    const taken = await frank.warden(
      ["change-email", "change_taken@example.com", "--password-stdin"],
      PASSWORD,
    );
    expect(taken).toMatchObject({ code: 1, stdout: "" });
    expect(taken.stderr).toBe("warden: that email is already registered\n");
    expect((await frank.warden(["change-email", "frank2@example.com"])).code).toBe(2);

    const asked = await frank.warden(
      ["change-email", "frank2@example.com", "--password-stdin"],
      `${PASSWORD}\n`,
    );
    expect(asked).toMatchObject({ code: 0, stderr: "" });
    expect(asked.stdout).toMatch(/^sent a confirmation link to frank2@example.com; /);
    const { token } = linkIn(
      await catcher.waitForMail("frank2@example.com", {
        subject: CONFIRM,
        timeoutMs: MAIL_WAIT_MS,
      }),
      "/account/verify-email",
    );
    expectNoSecrets(asked, token, PASSWORD);
    // Nothing changes until the link is confirmed.
    expect((await frank.warden(["whoami"])).stdout).toMatch(/<change_frank@example.com>/);

    const confirmed = await frank.warden(["verify-email", token]);
    expect(confirmed).toMatchObject({
      code: 0,
      stdout: `verified frank2@example.com on ${server.url}\n`,
    });
    expect((await frank.warden(["whoami"])).stdout).toMatch(
      /<frank2@example.com>\), user, email verified, two-factor login off, on /,
    );
    expect((await frank.warden(["verify-email", token])).code).toBe(1);
  });

  it("change-email: an address taken between the request and the link is refused at the link", async () => {
    const gina = await signUp(server, "change_gina");
    const asked = await gina.warden(
      ["change-email", "race@example.com", "--password-stdin"],
      PASSWORD,
    );
    expect(asked.code, asked.stderr).toBe(0);
    const { token } = linkIn(
      await catcher.waitForMail("race@example.com", { subject: CONFIRM, timeoutMs: MAIL_WAIT_MS }),
      "/account/verify-email",
    );
    await signUp(server, "race_winner", "race@example.com");
    const late = await gina.warden(["verify-email", token]);
    expect(late.code).toBe(1);
    expect(late.stderr).toBe("warden: another account took this address meanwhile\n");
    expect((await gina.warden(["whoami"])).stdout).toMatch(/<change_gina@example.com>/);
  });

  it("delete-account: needs --yes without a terminal, refuses a wrong password, then deletes and forgets the login", async () => {
    const hank = await signUp(server, "delete_hank");

    // No terminal to type the username into: exit 2 before anything happens.
    const unconfirmed = await hank.warden(["delete-account", "--password-stdin"], PASSWORD);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/--yes/);
    expect((await hank.warden(["delete-account", "--yes"])).code).toBe(2);

    const wrong = await hank.warden(
      ["delete-account", "--yes", "--password-stdin"],
      "not-the-password-1",
    );
    expect(wrong).toMatchObject({ code: 1, stdout: "" });
    expect(wrong.stderr).toBe("warden: currentPassword: is not your current password\n");
    expect((await hank.warden(["whoami"])).code).toBe(0);

    const deleted = await hank.warden(
      ["delete-account", "--yes", "--password-stdin"],
      `${PASSWORD}\n`,
    );
    expect(deleted).toMatchObject({
      code: 0,
      stdout: `deleted the account delete_hank on ${server.url}; logged out\n`,
      stderr: "",
    });
    expectNoSecrets(deleted, PASSWORD);
    expect(await hank.stored()).toBeUndefined();
    expect((await hank.warden(["whoami"])).code).toBe(3);
    expect(
      (await hank.warden(["delete-account", "--yes", "--password-stdin"], PASSWORD)).code,
    ).toBe(3);
    expect((await hank.warden(["login", "delete_hank", "--password-stdin"], PASSWORD)).code).toBe(
      1,
    );
    await catcher.waitForMail(hank.email, {
      subject: /your account was deleted/i,
      timeoutMs: MAIL_WAIT_MS,
    });

    // The username and address are free again at once.
    const again = await signUp(server, "delete_hank");
    expect(JSON.parse((await again.warden(["whoami", "--json"])).stdout)).toMatchObject({
      username: "delete_hank",
      emailVerified: false,
    });
  });
});

describe("warden account commands against a server that sends no mail", {
  timeout: 120_000,
}, () => {
  let server: SpawnedServer;

  beforeAll(async () => {
    // Production without SMTP_URL: Warden starts, and the flows that need a mail say why they cannot.
    server = await spawnWardenServer({
      NODE_ENV: "production",
      WARDEN_KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("resend-verification, reset-password --email and change-email exit 1 with the reason", async () => {
    const lee = await signUp(server, "nomail_lee");
    const noMail = "warden: this server sends no mail; ask its administrator\n";
    for (const [args, stdin] of [
      [["resend-verification"], undefined],
      [["reset-password", "--email", lee.email], undefined],
      [["change-email", "lee2@example.com", "--password-stdin"], PASSWORD],
    ] as const) {
      const run = await lee.warden(args, stdin);
      expect(run, args.join(" ")).toMatchObject({ code: 1, stdout: "", stderr: noMail });
    }
    const debug = await lee.warden(["resend-verification", "--debug"]);
    expect(debug.stderr).toMatch(
      /\ncode: PRECONDITION_FAILED \(HTTP 412, auth\.resendVerification\)\n/,
    );
    // What needs no mail still works.
    expect((await lee.warden(["profile", "set", "--name", "Lee"])).code).toBe(0);
    expect((await lee.warden(["delete-account", "--yes", "--password-stdin"], PASSWORD)).code).toBe(
      0,
    );
  });
});
