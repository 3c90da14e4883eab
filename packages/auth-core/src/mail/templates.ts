import type { OutgoingMail } from "./mailer.js";

/*
 * Every mail Warden sends, one function each: a deployer reads them here.
 * Each says what happened or what the link does, when the link expires, and
 * what to do if it wasn't you. Plain text first; the HTML says the same.
 */

export interface Recipient {
  readonly to: string;
  readonly name: string;
}

/** "1 hour", "24 hours", "30 minutes". */
export function describeDuration(seconds: number): string {
  if (seconds % 3600 === 0) {
    const hours = seconds / 3600;
    return hours === 1 ? "1 hour" : `${hours} hours`;
  }
  const minutes = Math.max(1, Math.round(seconds / 60));
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** One mail from paragraphs; `link` becomes a button in HTML and a bare line in text. */
function compose(
  recipient: Recipient,
  subject: string,
  paragraphs: readonly string[],
  link?: { readonly url: string; readonly label: string },
): OutgoingMail {
  const greeting = `Hello ${recipient.name},`;
  const text = [
    greeting,
    ...paragraphs.slice(0, 1),
    ...(link ? [link.url] : []),
    ...paragraphs.slice(1),
    "— Warden",
  ].join("\n\n");
  const p = (line: string) => `<p>${escapeHtml(line)}</p>`;
  const html = [
    "<!doctype html>",
    '<html><body style="font-family: sans-serif; line-height: 1.5; max-width: 36em">',
    p(greeting),
    ...paragraphs.slice(0, 1).map(p),
    ...(link
      ? [
          `<p><a href="${escapeHtml(link.url)}" style="display: inline-block; padding: .6em 1.2em; background: #1d4ed8; color: #fff; text-decoration: none; border-radius: .3em">${escapeHtml(link.label)}</a></p>`,
          `<p style="font-size: .9em; color: #555">Or paste this address into your browser: ${escapeHtml(link.url)}</p>`,
        ]
      : []),
    ...paragraphs.slice(1).map(p),
    p("— Warden"),
    "</body></html>",
  ].join("\n");
  return { to: recipient.to, subject, text, html };
}

export function verifyEmailMail(
  recipient: Recipient,
  link: string,
  expiresInSeconds: number,
): OutgoingMail {
  return compose(
    recipient,
    "Verify your email address",
    [
      "Please confirm that this is your email address by opening this link:",
      `The link works once and expires in ${describeDuration(expiresInSeconds)}.`,
      "If you did not create an account, ignore this mail: nothing happens without the link.",
    ],
    { url: link, label: "Verify my email address" },
  );
}

export function confirmEmailChangeMail(
  recipient: Recipient,
  link: string,
  expiresInSeconds: number,
): OutgoingMail {
  return compose(
    recipient,
    "Confirm your new email address",
    [
      "You asked to use this address for your account. Confirm it by opening this link:",
      `The link works once and expires in ${describeDuration(expiresInSeconds)}. Until then your account keeps its old address.`,
      "If you did not ask for this, ignore this mail: your account stays as it is.",
    ],
    { url: link, label: "Use this email address" },
  );
}

export function emailChangeRequestedNotice(recipient: Recipient, newEmail: string): OutgoingMail {
  return compose(recipient, "Your account's email address is being changed", [
    `Someone signed in to your account asked to change its email address to ${newEmail}. The change happens only when the link mailed to that address is opened.`,
    "If this wasn't you, change your password now and end your other sessions: whoever asked knows your password.",
  ]);
}

export function resetPasswordMail(
  recipient: Recipient,
  link: string,
  expiresInSeconds: number,
): OutgoingMail {
  return compose(
    recipient,
    "Reset your password",
    [
      "Someone (we hope you) asked to reset the password of your account. Choose a new one here:",
      `The link works once and expires in ${describeDuration(expiresInSeconds)}. Setting a new password ends every session of your account.`,
      "If you did not ask for this, ignore this mail: your password stays as it is.",
    ],
    { url: link, label: "Choose a new password" },
  );
}

export function passwordChangedNotice(recipient: Recipient): OutgoingMail {
  return compose(recipient, "Your password was changed", [
    "The password of your account was just changed, and every session that used the old one has ended.",
    "If this wasn't you, ask for a password reset at once (it comes to this address) and tell your administrator.",
  ]);
}

export function twoFactorChangedNotice(
  recipient: Recipient,
  change: "enabled" | "disabled" | "reset",
): OutgoingMail {
  const what = {
    enabled: [
      "Two-factor login was turned on for your account: every login now asks for a code from your authenticator app, and every other session has ended.",
      "If this wasn't you, someone has your session: ask your administrator to reset two-factor login, then reset your password.",
    ],
    disabled: [
      "Two-factor login was turned off for your account: a password alone logs in now.",
      "If this wasn't you, reset your password at once (the link comes to this address) and tell your administrator.",
    ],
    reset: [
      "An administrator turned two-factor login off for your account, and every session has ended: a password alone logs in now.",
      "If you did not ask for this, tell your administrator.",
    ],
  }[change];
  return compose(
    recipient,
    change === "enabled" ? "Two-factor login is on" : "Two-factor login is off",
    what,
  );
}

/** Wrong two-factor codes locked the account: whoever typed them knew the password. */
export function passwordKnownNotice(recipient: Recipient): OutgoingMail {
  return compose(recipient, "Someone knows your password", [
    "Your account was locked for a while after wrong two-factor codes, each typed after your right password.",
    "If this wasn't you, change your password now: your two-factor code kept them out, but your password is known.",
  ]);
}

export function accountDeletedNotice(recipient: Recipient): OutgoingMail {
  return compose(recipient, "Your account was deleted", [
    "Your account and its posts have been deleted for good, and every session has ended.",
    "If this wasn't you, tell your administrator: the account cannot be brought back, but they can find out how it happened.",
  ]);
}
