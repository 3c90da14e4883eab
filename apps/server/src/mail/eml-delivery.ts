import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import nodemailer from "nodemailer";
import type { Delivery } from "./delivery.js";

/**
 * Development without SMTP_URL: each mail is built as SMTP would carry it
 * (RFC 822, text and HTML parts) and written to its own `.eml` file under
 * `dir`, which any mail program opens. The files hold live links: only
 * their owner may read them.
 */
export function createEmlDelivery(dir: string): Delivery {
  const directory = resolve(dir);
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    description: `.eml files under ${directory}`,
    secrets: [],
    async deliver(message) {
      const info = await builder.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
      await mkdir(directory, { recursive: true, mode: 0o700 });
      const file = join(directory, fileName(message.subject));
      await writeFile(file, info.message, { mode: 0o600, flag: "wx" });
      return { file };
    },
    async close() {},
  };
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
