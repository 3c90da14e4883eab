import type { Delivery } from "./delivery.js";
import { loadNodemailer } from "./load-nodemailer.js";

/**
 * Delivery to SMTP_URL through nodemailer: `smtps://` speaks TLS from the
 * first byte (port 465 by default); `smtp://` (port 587 by default) upgrades
 * with STARTTLS when the server offers it. One connection per mail: an auth
 * service sends few.
 */
export function createSmtpDelivery(smtpUrl: string): Delivery {
  const url = new URL(smtpUrl);
  const secure = url.protocol === "smtps:";
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  // Made on the first mail: a server that mails nothing loads no nodemailer.
  const createTransport = async () =>
    (await loadNodemailer()).createTransport({
      host,
      ...(url.port ? { port: Number(url.port) } : {}),
      secure,
      ...(user ? { auth: { user, pass } } : {}),
      // A request waiting for its mail (a resend) should hear of a dead server in seconds, not minutes.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  let transport: ReturnType<typeof createTransport> | undefined;
  return {
    description: `${url.protocol}//${url.host}`,
    secrets: [user, pass, url.username, url.password].filter((secret) => secret.length > 0),
    async deliver(message) {
      transport ??= createTransport();
      const info = await (await transport).sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
      return { messageId: String(info.messageId) };
    },
    async close() {
      (await transport)?.close();
    },
  };
}
