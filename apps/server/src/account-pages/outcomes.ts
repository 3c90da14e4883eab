import type { AuthError } from "@warden/auth-core";
import { html } from "./html.js";
import { notice, page } from "./layout.js";

/** What a page handler answers: the status, the whole page, and Retry-After when there is one. */
export interface PageAnswer {
  readonly status: number;
  readonly body: string;
  readonly retryAfterSeconds?: number;
}

/** Which link a page is for: it decides what the person is told to do next. */
export type LinkKind = "verify" | "reset";

const ASK_AGAIN: Record<LinkKind, string> = {
  verify: "Log in and ask for a new verification mail: only the newest link works.",
  reset: "Ask for a new password reset: only the newest link works.",
};

/**
 * The longest token read. A genuine one is 43 base64url characters; the
 * bound (the procedures' own) keeps junk from costing anything.
 */
const TOKEN_MAX_LENGTH = 128;

/** The token of a form or a query: a string, trimmed (a mail client may wrap a link); undefined when absent. */
export function readToken(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const token = value.trim();
  return token === "" ? undefined : token;
}

/** A token no link could carry (too long): refused without a lookup. */
export function isImpossibleToken(token: string): boolean {
  return token.length > TOKEN_MAX_LENGTH;
}

/** The link had no token (cut short when copied, or a request made by hand). */
export function incompleteLinkPage(): PageAnswer {
  return {
    status: 400,
    body: page({
      title: "This link is incomplete",
      content: html`${notice("error", "The link has no token in it.")}
<p>Open the link from the mail again. If you copied it, copy all of it, up to its last character.</p>`,
    }),
  };
}

/** The token is unknown, used, replaced by a newer one, expired, or for something else. */
export function invalidLinkPage(kind: LinkKind): PageAnswer {
  return {
    status: 400,
    body: page({
      title: "This link does not work",
      content: html`${notice("error", "The link was already used, a newer one replaced it, or it has expired.")}
<p>${ASK_AGAIN[kind]}</p>`,
    }),
  };
}

/**
 * The page for an auth-core refusal every page shares; undefined for one
 * the page handles itself (a refused password). Anything else is rethrown
 * by the caller, and answered by the pages' error handler.
 */
export function commonRefusalPage(error: AuthError, kind: LinkKind): PageAnswer | undefined {
  switch (error.code) {
    case "INVALID_ONE_TIME_TOKEN":
      return invalidLinkPage(kind);
    case "NOT_FOUND":
    case "INVALID_TOKEN":
      // The account the link was for no longer exists.
      return invalidLinkPage(kind);
    case "EMAIL_TAKEN":
      return {
        status: 409,
        body: page({
          title: "This address is taken",
          content: html`${notice("error", "Another account uses this email address now, so it cannot be confirmed for yours.")}
<p>Log in and choose another address.</p>`,
        }),
      };
    case "TOO_MANY_ATTEMPTS":
    case "BUSY":
      return tryAgainLaterPage(
        error.code === "BUSY" ? 503 : 429,
        error.retryAfterSeconds ?? 60,
        error.code === "BUSY" ? "The server is busy." : "There were too many attempts.",
      );
    default:
      return undefined;
  }
}

export function tryAgainLaterPage(
  status: number,
  retryAfterSeconds: number,
  reason: string,
): PageAnswer {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return {
    status,
    retryAfterSeconds,
    body: page({
      title: "Please try again later",
      content: html`${notice("error", reason)}
<p>Your link still works: open it again in ${minutes === 1 ? "a minute" : `${minutes} minutes`}.</p>`,
    }),
  };
}

/** A request the framework could not read (too large, a body of another type, malformed). */
export function unreadableRequestPage(status: number): PageAnswer {
  return {
    status,
    body: page({
      title: "This request could not be read",
      content: html`${notice("error", "The form did not arrive as this page sends it.")}
<p>Open the link from the mail again and use the form on its page.</p>`,
    }),
  };
}

/** Something failed on the server's side; it is logged (without the request's body). */
export function serverFailurePage(): PageAnswer {
  return {
    status: 500,
    body: page({
      title: "Something went wrong",
      content: html`${notice("error", "The server could not finish this.")}
<p>Open the link from the mail again in a moment: a link that was not used still works.</p>`,
    }),
  };
}
