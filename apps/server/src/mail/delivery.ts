import type { OutgoingMail } from "@warden/auth-core";

/** A mail ready to go: Warden's mail and the sender. */
export interface Message extends OutgoingMail {
  readonly from: string;
}

/** Where mails go: an SMTP server, or `.eml` files. */
export interface Delivery {
  /** Where, for the start-up log: never a password. */
  readonly description: string;
  /** Strings a failure's message may hold that the log must not (the SMTP user and password). */
  readonly secrets: readonly string[];
  /** Delivers one mail; resolves with what the log may say of it (a message id, a file). */
  deliver(message: Message): Promise<Readonly<Record<string, string>>>;
  close(): Promise<void>;
}
