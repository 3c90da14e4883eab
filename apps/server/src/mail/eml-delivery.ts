import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Delivery } from "./delivery.js";
import { loadNodemailer } from "./load-nodemailer.js";

/**
 * Development without SMTP_URL: each mail is built as SMTP would carry it
 * (RFC 822, text and HTML parts) and written to its own `.eml` file under
 * `dir`, which any mail program opens. The files hold live links: only
 * their owner may read them.
 */
export function createEmlDelivery(dir: string): Delivery {
  const directory = resolve(dir);
  // Both made on the first mail, then kept: a server that mails nothing
  // loads no nodemailer, and the folder is not looked up again for each mail.
  let builder: ReturnType<typeof createBuilder> | undefined;
  let folder: Promise<unknown> | undefined;
  return {
    description: `.eml files under ${directory}`,
    secrets: [],
    async deliver(message) {
      builder ??= createBuilder();
      const info = await (await builder).sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
      const file = join(directory, fileName(message.subject));
      const write = async () => {
        folder ??= mkdir(directory, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
          folder = undefined;
          throw error;
        });
        await folder;
        await writeFile(file, info.message, { mode: 0o600, flag: "wx" });
      };
      try {
        await write();
      } catch (error) {
        // The folder was removed while the server ran: made again, once.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        folder = undefined;
        await write();
      }
      return { file };
    },
    async close() {},
  };
}

/** nodemailer's stream transport, which builds each mail as SMTP would carry it. */
async function createBuilder() {
  const nodemailer = await loadNodemailer();
  return nodemailer.createTransport({ streamTransport: true, buffer: true });
}

/** "2026-11-29T19-52-03-120Z-verify-your-email-address-3fa2c1.eml": in order, and saying what it is. */
function fileName(subject: string): string {
  const stamp = new Date().toISOString().replaceAll(":", "-").replace(".", "-");
  const slug = subject
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 48);
  return `${stamp}-${slug || "mail"}-${randomBytes(3).toString("hex")}.eml`;
}
