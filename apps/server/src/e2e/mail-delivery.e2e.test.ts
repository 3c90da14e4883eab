import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeEachDatabase } from "@warden/auth-core/testing";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type LoggedTestServer, startLoggedTestServer } from "../testing/logged-test-server.js";
import { linkIn, type MailCatcher, startMailCatcher } from "../testing/mail-catcher.js";
import { TEST_ISSUER, trpc } from "../testing/test-server.js";

let counter = 0;
function fresh() {
  counter += 1;
  const username = `mail${counter}_${Math.random().toString(36).slice(2, 7)}`;
  return { username, email: `${username}@example.com`, name: "Ada Lovelace" };
}
const PASSWORD = "tangerine-orbit-47";

describeEachDatabase("mail delivery through the server", (current) => {
  let smtp: MailCatcher;
  let server: LoggedTestServer;
  let mailDir: string;
  let devServer: LoggedTestServer;

  beforeAll(async () => {
    smtp = await startMailCatcher({ username: "warden", password: "smtp-pass-9f2c" });
    server = await startLoggedTestServer(current(), {
      SMTP_URL: smtp.smtpUrl,
      MAIL_FROM: "Example Accounts <accounts@example.com>",
      PUBLIC_URL: "https://id.example.com/",
      REGISTER_RATE_LIMIT: "off",
    });
    mailDir = await mkdtemp(join(tmpdir(), "warden-e2e-mail-"));
    devServer = await startLoggedTestServer(current(), {
      MAIL_DIR: mailDir,
      REGISTER_RATE_LIMIT: "off",
    });
  });
  afterAll(async () => {
    await server?.close();
    await devServer?.close();
    await smtp?.close();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  it("registration mails a verification link to PUBLIC_URL's page over SMTP, from MAIL_FROM", async () => {
    const account = fresh();
    const registered = await trpc(server, "auth.register", {
      input: { ...account, password: PASSWORD },
    });
    expect(registered.status).toBe(200);
    const mail = await smtp.waitForMail(account.email, { subject: /verify/i });
    expect(mail.from?.text).toBe('"Example Accounts" <accounts@example.com>');
    expect(mail.text).toContain("Hello Ada Lovelace,");
    expect(mail.html).toContain("<!doctype html>");
    const link = linkIn(mail, "/account/verify-email");
    expect(link.url).toBe(`https://id.example.com/account/verify-email?token=${link.token}`);
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    await server.running.deps.mailer.idle();
    const log = server.lines.join("\n");
    expect(log).toContain('"msg":"mail: sent"');
    expect(log).not.toContain(link.token);
    expect(log).not.toContain("smtp-pass-9f2c");
  });

  it("in development without SMTP_URL writes the mail to a .eml file and logs the file, not the token", async () => {
    const account = fresh();
    const registered = await trpc(devServer, "auth.register", {
      input: { ...account, password: PASSWORD },
    });
    expect(registered.status).toBe(200);
    await devServer.running.deps.mailer.idle();

    const written = devServer
      .records()
      .find((record) => record.to === account.email && typeof record.file === "string");
    expect(written?.msg).toBe(`mail: written to ${written?.file}`);
    const file = String(written?.file);
    expect(file.startsWith(mailDir)).toBe(true);
    expect(await readdir(mailDir)).toContain(file.slice(mailDir.length + 1));
    const mail = await simpleParser(await readFile(file));
    expect(mail.subject).toBe("Verify your email address");
    const link = linkIn(mail, "/account/verify-email");
    // PUBLIC_URL defaults to the issuer.
    expect(link.url.startsWith(`${TEST_ISSUER}/account/verify-email?token=`)).toBe(true);
    expect(devServer.lines.join("\n")).not.toContain(link.token);
  });
});
