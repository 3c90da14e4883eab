import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { AuthError, type OutgoingMail } from "@warden/auth-core";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { linkIn, type MailCatcher, startMailCatcher } from "../testing/mail-catcher.js";
import { freePort } from "../testing/spawned-server.js";
import { createMailer, type ServerMailer } from "./mailer.js";

const TOKEN = "Zm9vYmFyLXRva2VuLXdpdGgtMjU2LWJpdHMtb2YtZW50cm9weQ";
const LINK = `http://warden.test/account/verify-email?token=${TOKEN}`;
const FROM = "Warden <no-reply@warden.test>";

function verificationMail(to: string): OutgoingMail {
  return {
    to,
    subject: "Verify your email address",
    text: `Hello Ada,\n\nOpen this link:\n\n${LINK}\n\nIt expires in 24 hours.`,
    html: `<p>Hello Ada,</p><p><a href="${LINK}">Verify my email address</a></p>`,
  };
}

/** A logger whose JSON lines the test reads. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  let raw = "";
  const destination = new Writable({
    write(chunk, _encoding, done) {
      raw += String(chunk);
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger("debug", { destination }), lines, raw: () => raw };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function catcher(options?: Parameters<typeof startMailCatcher>[0]): Promise<MailCatcher> {
  const started = await startMailCatcher(options);
  cleanups.push(() => started.close());
  return started;
}

function smtpMailer(smtpUrl: string, logger = capturedLogger().logger): ServerMailer {
  const mailer = createMailer({
    mail: { smtpUrl, from: FROM, dir: "/nonexistent" },
    production: true,
    logger,
  });
  cleanups.push(() => mailer.close());
  return mailer;
}

describe("the mailer over SMTP", () => {
  it("sends plain text and HTML, from MAIL_FROM, through a server that asks for credentials", async () => {
    const smtp = await catcher({ username: "warden", password: "p@ss:w/rd" });
    expect(smtp.smtpUrl).toMatch(/^smtp:\/\/warden:p%40ss%3Aw%2Frd@127\.0\.0\.1:\d+$/);
    const log = capturedLogger();
    const mailer = smtpMailer(smtp.smtpUrl, log.logger);
    expect(mailer.delivers).toBe(true);

    await mailer.send(verificationMail("ada@example.com"));
    const mail = await smtp.waitForMail("ada@example.com", { subject: /verify/i });
    expect(mail.subject).toBe("Verify your email address");
    expect(mail.from?.text).toBe('"Warden" <no-reply@warden.test>');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : mail.to).toBe("ada@example.com");
    expect(mail.text).toContain("It expires in 24 hours.");
    expect(mail.html).toContain("Verify my email address");
    expect(linkIn(mail, "/account/verify-email")).toEqual({ url: LINK, token: TOKEN });

    expect(log.lines).toContainEqual(
      expect.objectContaining({
        msg: "mail: sent",
        to: "ada@example.com",
        subject: "Verify your email address",
        messageId: expect.any(String),
      }),
    );
    expect(log.raw()).not.toContain(TOKEN);
    expect(log.raw()).not.toMatch(/p@ss|p%40ss/);
    expect(log.raw()).toContain(`mail: goes to smtp://127.0.0.1:`);
  });

  it("sends to a server without credentials, and waitForMail hands out each mail once", async () => {
    const smtp = await catcher();
    expect(smtp.smtpUrl).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
    const mailer = smtpMailer(smtp.smtpUrl);
    await mailer.send({ ...verificationMail("bob@example.com"), subject: "First" });
    await mailer.send({ ...verificationMail("BOB@example.com"), subject: "Second" });
    expect((await smtp.waitForMail("bob@example.com")).subject).toBe("First");
    expect((await smtp.waitForMail("Bob@Example.com")).subject).toBe("Second");
    await expect(smtp.waitForMail("bob@example.com", { timeoutMs: 100 })).rejects.toThrow(
      /no mail to bob@example.com within 100 ms \(received: .*First.*Second/,
    );
    expect(smtp.mails).toHaveLength(2);
  });

  it("waitForMail waits for a mail sent in the background", async () => {
    const smtp = await catcher();
    const mailer = smtpMailer(smtp.smtpUrl);
    const waiting = smtp.waitForMail("carol@example.com", { subject: /verify/i });
    mailer.sendLater(async () => verificationMail("carol@example.com"));
    await mailer.idle();
    expect(linkIn(await waiting, "/account/verify-email").token).toBe(TOKEN);
  });

  it("answers MAIL_FAILED when the SMTP server is down, and logs why without the link or token", async () => {
    const log = capturedLogger();
    const port = await freePort();
    const mailer = smtpMailer(`smtp://warden:hunter2-secret@127.0.0.1:${port}`, log.logger);

    const failure = await mailer.send(verificationMail("ada@example.com")).catch((e) => e);
    expect(failure).toBeInstanceOf(AuthError);
    expect(failure.code).toBe("MAIL_FAILED");
    expect(failure.cause).toBeUndefined();

    const line = log.lines.find((entry) => entry.msg === "mail: sending failed");
    expect(line).toMatchObject({
      level: 50,
      to: "ada@example.com",
      subject: "Verify your email address",
      failure: { code: "ESOCKET", message: expect.stringContaining("ECONNREFUSED") },
    });
    expect(log.raw()).not.toContain(TOKEN);
    expect(log.raw()).not.toContain("verify-email?");
    expect(log.raw()).not.toContain("hunter2");
  });

  it("answers MAIL_FAILED for wrong credentials and a refused recipient, the password never logged", async () => {
    const smtp = await catcher({
      username: "warden",
      password: "right-password",
      rejectRecipients: /^nobody@/,
    });
    const log = capturedLogger();
    const wrong = smtpMailer(smtp.smtpUrl.replace("right-password", "wrong-password"), log.logger);
    await expect(wrong.send(verificationMail("ada@example.com"))).rejects.toMatchObject({
      code: "MAIL_FAILED",
    });
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        msg: "mail: sending failed",
        failure: expect.objectContaining({ code: "EAUTH", responseCode: 535 }),
      }),
    );

    const right = smtpMailer(smtp.smtpUrl, log.logger);
    await expect(right.send(verificationMail("nobody@example.com"))).rejects.toMatchObject({
      code: "MAIL_FAILED",
    });
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        msg: "mail: sending failed",
        to: "nobody@example.com",
        failure: expect.objectContaining({ responseCode: 550 }),
      }),
    );
    expect(smtp.mails).toHaveLength(0);
    expect(log.raw()).not.toMatch(/wrong-password|right-password/);
    expect(log.raw()).not.toContain(TOKEN);
  });

  it("sendLater never rejects: composing and sending failures are logged, and idle() waits for them", async () => {
    const log = capturedLogger();
    const port = await freePort();
    const mailer = smtpMailer(`smtp://127.0.0.1:${port}`, log.logger);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      let composed = false;
      mailer.sendLater(async () => {
        composed = true;
        throw new Error("the user row is gone");
      });
      mailer.sendLater(() => {
        throw new Error("thrown before any promise");
      });
      mailer.sendLater(async () => null);
      mailer.sendLater(verificationMail("ada@example.com"));
      // Nothing runs in the caller's turn.
      expect(composed).toBe(false);
      await mailer.idle();
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
    const messages = log.lines.map((entry) => entry.msg);
    expect(messages.filter((msg) => msg === "mail: composing failed")).toHaveLength(2);
    expect(messages.filter((msg) => msg === "mail: sending failed")).toHaveLength(1);
    expect(log.raw()).toContain("the user row is gone");
    expect(log.raw()).not.toContain(TOKEN);
  });
});

describe("the mailer without SMTP_URL", () => {
  it("in development writes each mail as a .eml file and logs the file, never the token", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "warden-eml-")), "mail");
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const log = capturedLogger();
    const mailer = createMailer({
      mail: { smtpUrl: undefined, from: FROM, dir },
      production: false,
      logger: log.logger,
    });
    cleanups.push(() => mailer.close());
    expect(mailer.delivers).toBe(true);

    await mailer.send(verificationMail("ada@example.com"));
    mailer.sendLater({
      ...verificationMail("ada@example.com"),
      subject: "Your password was changed",
    });
    await mailer.idle();

    const files = (await readdir(dir)).sort();
    expect(files).toEqual([
      expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d-]+Z-verify-your-email-address-[0-9a-f]{6}\.eml$/),
      expect.stringMatching(/-your-password-was-changed-[0-9a-f]{6}\.eml$/),
    ]);
    const file = join(dir, files[0] ?? "");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const mail = await simpleParser(await readFile(file));
    expect(mail.subject).toBe("Verify your email address");
    expect(mail.from?.text).toBe('"Warden" <no-reply@warden.test>');
    expect(mail.text).toContain("It expires in 24 hours.");
    expect(linkIn(mail, "/account/verify-email").token).toBe(TOKEN);

    expect(log.lines).toContainEqual(
      expect.objectContaining({ msg: `mail: written to ${file}`, file, to: "ada@example.com" }),
    );
    expect(log.raw()).not.toContain(TOKEN);
  });

  it("in development makes the mail folder again if it is removed while the server runs", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "warden-eml-")), "mail");
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const mailer = createMailer({
      mail: { smtpUrl: undefined, from: FROM, dir },
      production: false,
      logger: capturedLogger().logger,
    });
    cleanups.push(() => mailer.close());
    await mailer.send(verificationMail("ada@example.com"));
    await rm(dir, { recursive: true, force: true });
    await mailer.send(verificationMail("bob@example.com"));
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it("in production delivers nothing: send answers MAIL_UNAVAILABLE, sendLater drops the mail", async () => {
    let composed = false;
    const mailer = createMailer({
      mail: { smtpUrl: undefined, from: FROM, dir: "/nonexistent" },
      production: true,
      logger: capturedLogger().logger,
    });
    expect(mailer.delivers).toBe(false);
    await expect(mailer.send(verificationMail("ada@example.com"))).rejects.toMatchObject({
      code: "MAIL_UNAVAILABLE",
    });
    mailer.sendLater(async () => {
      composed = true;
      return verificationMail("ada@example.com");
    });
    await mailer.idle();
    await mailer.close();
    expect(composed).toBe(false);
  });
});
