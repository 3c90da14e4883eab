import type { AddressInfo } from "node:net";
import { type AddressObject, type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export type { ParsedMail } from "mailparser";

/** A real SMTP server in the test process that keeps every mail it is sent. */
export interface MailCatcher {
  /** SMTP_URL for Warden: smtp://127.0.0.1:<port>, with the credentials when some were asked for. */
  readonly smtpUrl: string;
  /** Every mail received, parsed, in order of arrival. */
  readonly mails: ParsedMail[];
  /**
   * The oldest mail to `to` (whose subject matches `subject`, if given) that
   * no earlier call returned, waiting for it up to `timeoutMs` (5 s).
   */
  waitForMail(to: string, options?: { subject?: RegExp; timeoutMs?: number }): Promise<ParsedMail>;
  close(): Promise<void>;
}

/**
 * Starts an SMTP server on an ephemeral port of 127.0.0.1. It offers no
 * STARTTLS (Warden's STARTTLS is opportunistic, so plain SMTP it is) and
 * accepts any credentials, or none; with `username` and `password` it
 * requires those. `rejectRecipients` answers 550 to matching addresses.
 */
export async function startMailCatcher(
  options: { username?: string; password?: string; rejectRecipients?: RegExp } = {},
): Promise<MailCatcher> {
  const mails: ParsedMail[] = [];
  const recipients = new Map<ParsedMail, string[]>();
  const taken = new Set<ParsedMail>();
  const waiters = new Set<() => void>();
  const required = options.username !== undefined;

  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: !required,
    logger: false,
    onAuth(auth, _session, callback) {
      if (
        required &&
        (auth.username !== options.username || auth.password !== (options.password ?? ""))
      ) {
        callback(new Error("535 5.7.8 authentication failed"));
        return;
      }
      callback(null, { user: auth.username ?? "anyone" });
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipients?.test(address.address)) {
        const error = new Error(`550 5.1.1 <${address.address}>: no such user`) as Error & {
          responseCode: number;
        };
        error.responseCode = 550;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          recipients.set(
            mail,
            session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
          );
          for (const wake of [...waiters]) wake();
          callback();
        })
        .catch((error: unknown) =>
          callback(error instanceof Error ? error : new Error(String(error))),
        );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  // A client that goes away mid-session is not the test's failure.
  server.on("error", () => {});
  const { port } = server.server.address() as AddressInfo;
  const credentials = required
    ? `${encodeURIComponent(options.username ?? "")}:${encodeURIComponent(options.password ?? "")}@`
    : "";

  const addressed = (mail: ParsedMail, to: string) => {
    const wanted = to.toLowerCase();
    const headers = [mail.to, mail.cc]
      .flatMap((field): AddressObject[] => (field === undefined ? [] : [field].flat()))
      .flatMap((field) => field.value.map((entry) => entry.address?.toLowerCase()));
    return [...(recipients.get(mail) ?? []), ...headers].includes(wanted);
  };

  return {
    smtpUrl: `smtp://${credentials}127.0.0.1:${port}`,
    mails,
    waitForMail(to, { subject, timeoutMs = 5000 } = {}) {
      const find = () =>
        mails.find(
          (mail) =>
            !taken.has(mail) &&
            addressed(mail, to) &&
            (subject === undefined || subject.test(mail.subject ?? "")),
        );
      return new Promise<ParsedMail>((resolve, reject) => {
        const check = () => {
          const mail = find();
          if (!mail) return false;
          taken.add(mail);
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(mail);
          return true;
        };
        const wake = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          const seen = mails.map(
            (mail) =>
              `${
                mail.to
                  ? [mail.to]
                      .flat()
                      .map((a) => a.text)
                      .join(", ")
                  : "?"
              }: ${mail.subject ?? ""}`,
          );
          reject(
            new Error(
              `no mail to ${to}${subject ? ` with a subject matching ${subject}` : ""} within ${timeoutMs} ms (received: ${seen.length ? seen.join("; ") : "none"})`,
            ),
          );
        }, timeoutMs);
        waiters.add(wake);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The link to Warden's page `path` in a mail, and its token: from the plain
 * text, checked against the HTML part, which must hold the same link.
 */
export function linkIn(
  mail: ParsedMail,
  path: "/account/verify-email" | "/account/reset-password",
): { url: string; token: string } {
  const links = (mail.text ?? "").match(/https?:\/\/[^\s<>"]+/g) ?? [];
  const url = links.find((link) => new URL(link).pathname.endsWith(path));
  if (!url) {
    throw new Error(
      `no link to ${path} in the mail "${mail.subject ?? ""}" (links: ${links.join(", ") || "none"})`,
    );
  }
  const token = new URL(url).searchParams.get("token");
  if (!token) throw new Error(`the link to ${path} in "${mail.subject ?? ""}" has no token`);
  const html = typeof mail.html === "string" ? mail.html : "";
  if (!html.includes(`href="${url.replaceAll("&", "&amp;")}"`) && !html.includes(`href="${url}"`)) {
    throw new Error(`the HTML part of "${mail.subject ?? ""}" does not link to ${url}`);
  }
  return { url, token };
}
