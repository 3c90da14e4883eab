import { AuthError, type Mailer, type OutgoingMail, type WardenConfig } from "@warden/auth-core";
import type { Logger } from "pino";
import type { Delivery } from "./delivery.js";
import { createEmlDelivery } from "./eml-delivery.js";
import { createSmtpDelivery } from "./smtp-delivery.js";

/** The server's Mailer: also waits for the mails sent in the background, and closes. */
export interface ServerMailer extends Mailer {
  /** Resolves once every mail handed to `sendLater` so far is sent or has failed. */
  idle(): Promise<void>;
  /** Waits for the background mails, then closes the SMTP transport. */
  close(): Promise<void>;
}

/**
 * The Mailer from the config: SMTP when SMTP_URL is set; otherwise `.eml`
 * files under MAIL_DIR in development, and no mail at all in production
 * (`delivers: false`: the use cases answer MAIL_UNAVAILABLE). Logs never hold
 * a mail's body or link, nor the SMTP password.
 */
export function createMailer(options: {
  readonly mail: WardenConfig["mail"];
  readonly production: boolean;
  readonly logger: Logger;
}): ServerMailer {
  const { mail, production, logger } = options;
  const delivery = mail.smtpUrl
    ? createSmtpDelivery(mail.smtpUrl)
    : production
      ? null
      : createEmlDelivery(mail.dir);
  if (delivery) logger.info({ from: mail.from }, `mail: goes to ${delivery.description}`);
  return mailerOver(delivery, mail.from, logger);
}

/** The Mailer over one delivery (null: no mail); tests build it over their own. */
export function mailerOver(delivery: Delivery | null, from: string, logger: Logger): ServerMailer {
  const pending = new Set<Promise<void>>();
  let closed = false;

  async function send(mail: OutgoingMail): Promise<void> {
    if (!delivery) throw new AuthError("MAIL_UNAVAILABLE");
    const about = { to: mail.to, subject: mail.subject };
    if (closed) {
      logger.error(about, "mail: not sent, the server is stopping");
      throw new AuthError("MAIL_FAILED");
    }
    let facts: Readonly<Record<string, string>>;
    try {
      facts = await delivery.deliver({ ...mail, from });
    } catch (error) {
      logger.error(
        { ...about, failure: describeFailure(error, [...delivery.secrets, ...linksIn(mail)]) },
        "mail: sending failed",
      );
      throw new AuthError("MAIL_FAILED");
    }
    logger.info(
      { ...about, ...facts },
      facts.file ? `mail: written to ${facts.file}` : "mail: sent",
    );
  }

  async function sendInBackground(
    mail: OutgoingMail | (() => Promise<OutgoingMail | null>),
  ): Promise<void> {
    // Nothing of it runs in the caller's turn: its answer waits for none of it.
    await new Promise((resolve) => setImmediate(resolve));
    let composed: OutgoingMail | null;
    try {
      composed = typeof mail === "function" ? await mail() : mail;
    } catch (error) {
      // The logger's serializer masks the values database errors carry.
      logger.error({ err: error }, "mail: composing failed");
      return;
    }
    if (!composed) return;
    try {
      await send(composed);
    } catch {
      // send logged it.
    }
  }

  return {
    delivers: delivery !== null,
    send,
    sendLater(mail) {
      if (!delivery) {
        logger.debug("mail: not sent, this server sends no mail (SMTP_URL is not set)");
        return;
      }
      const task = sendInBackground(mail).catch((error: unknown) => {
        logger.error({ err: error }, "mail: sending in the background failed");
      });
      pending.add(task);
      void task.finally(() => pending.delete(task));
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      while (pending.size > 0) await Promise.all([...pending]);
      closed = true;
      await delivery?.close();
    },
  };
}

/** The links in a mail, and the tokens in them: what a failure's log must not repeat. */
function linksIn(mail: OutgoingMail): string[] {
  const links = mail.text.match(/https?:\/\/\S+/g) ?? [];
  const secrets: string[] = [];
  for (const link of links) {
    secrets.push(link);
    try {
      const url = new URL(link);
      for (const value of url.searchParams.values()) if (value.length >= 16) secrets.push(value);
      for (const segment of url.pathname.split("/"))
        if (segment.length >= 16) secrets.push(segment);
    } catch {
      // Not a URL after all: the whole match is masked already.
    }
  }
  return secrets;
}

/** A delivery failure for the log: what failed and the server's answer, the secrets masked. */
function describeFailure(error: unknown, secrets: readonly string[]): Record<string, unknown> {
  const mask = (text: string) =>
    [...secrets]
      .sort((a, b) => b.length - a.length)
      .reduce((masked, secret) => masked.replaceAll(secret, "[redacted]"), text);
  if (!(error instanceof Error)) return { message: mask(String(error)) };
  const fields = error as Error & {
    code?: unknown;
    command?: unknown;
    responseCode?: unknown;
    response?: unknown;
  };
  const failure: Record<string, unknown> = { type: error.name, message: mask(error.message) };
  if (typeof fields.code === "string") failure.code = fields.code;
  if (typeof fields.command === "string") failure.command = mask(fields.command);
  if (typeof fields.responseCode === "number") failure.responseCode = fields.responseCode;
  if (typeof fields.response === "string") failure.response = mask(fields.response);
  return failure;
}
