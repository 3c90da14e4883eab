/** A mail as Warden writes it: plain text, and the same in simple HTML. */
export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * Where mail goes: SMTP, `.eml` files in development, or nowhere (a
 * production server without SMTP_URL). The server implements it.
 */
export interface Mailer {
  /** False when no delivery is configured: flows that need a mail refuse with MAIL_UNAVAILABLE. */
  readonly delivers: boolean;
  /** Sends now; throws MAIL_FAILED (the failure logged, never the mail's link) when it cannot. */
  send(mail: OutgoingMail): Promise<void>;
  /**
   * Sends without the caller waiting: a notice, or a mail composed in the
   * background (`compose` may look things up; null sends nothing), so that
   * a request's answer and timing say nothing of what the mail needed.
   * Failures, composing or sending, are logged without the mail's link.
   */
  sendLater(mail: OutgoingMail | (() => Promise<OutgoingMail | null>)): void;
}

/** Where links in mails point: Warden's own pages by default, or the app's (VERIFY_EMAIL_URL, RESET_PASSWORD_URL). */
export interface AccountLinks {
  verifyEmail(token: string): string;
  resetPassword(token: string): string;
}

/**
 * Links from the public URL, or from templates holding `{token}`. The token
 * is base64url, so it needs no escaping in a URL.
 */
export function createAccountLinks(options: {
  readonly publicUrl: string;
  readonly verifyEmailTemplate?: string | undefined;
  readonly resetPasswordTemplate?: string | undefined;
}): AccountLinks {
  const base = options.publicUrl.replace(/\/+$/, "");
  const fill = (template: string, token: string) => template.replaceAll("{token}", token);
  return {
    verifyEmail: (token) =>
      fill(options.verifyEmailTemplate ?? `${base}/account/verify-email?token={token}`, token),
    resetPassword: (token) =>
      fill(options.resetPasswordTemplate ?? `${base}/account/reset-password?token={token}`, token),
  };
}
