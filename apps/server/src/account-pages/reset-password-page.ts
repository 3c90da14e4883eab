import { AuthError, type FieldIssue, passwordSchema, type RequestFacts } from "@warden/auth-core";
import type { ServerDeps } from "../context.js";
import { html } from "./html.js";
import { notice, page, tokenField } from "./layout.js";
import {
  commonRefusalPage,
  incompleteLinkPage,
  invalidLinkPage,
  isImpossibleToken,
  type PageAnswer,
  readToken,
} from "./outcomes.js";

export const RESET_PASSWORD_PATH = "/account/reset-password";

/**
 * GET /account/reset-password?token=…: the form, whatever the token.
 * Opening the link uses nothing up; only a new password the policy accepts does.
 */
export function resetPasswordForm(query: { token?: unknown }): PageAnswer {
  const token = readToken(query.token);
  if (token === undefined) return incompleteLinkPage();
  return { status: 200, body: formPage(token) };
}

/**
 * POST /account/reset-password with the token and the new password, twice.
 * The two must match before anything is asked of auth-core; a password the
 * policy refuses shows the form again with the reason, and the link still
 * works (the use case uses the token up only on success).
 */
export async function submitResetPassword(
  deps: Pick<ServerDeps, "useCases">,
  body: { token?: unknown; newPassword?: unknown; confirmPassword?: unknown },
  request: RequestFacts,
): Promise<PageAnswer> {
  const token = readToken(body.token);
  if (token === undefined) return incompleteLinkPage();
  if (isImpossibleToken(token)) return invalidLinkPage("reset");
  const newPassword = typeof body.newPassword === "string" ? body.newPassword : "";
  const confirmPassword = typeof body.confirmPassword === "string" ? body.confirmPassword : "";
  if (newPassword === "") return formAgain(token, "Type a new password.");
  if (newPassword !== confirmPassword) {
    return formAgain(
      token,
      "The two passwords are not the same. Type the new password in both fields.",
    );
  }
  // The length bound first: no password hash is ever computed for a megabyte of text.
  const parsed = passwordSchema.safeParse(newPassword);
  if (!parsed.success) {
    return formAgain(token, refusedPassword(parsed.error.issues.map((issue) => issue.message)));
  }
  try {
    await deps.useCases.resetPassword({ token, newPassword }, request);
  } catch (error) {
    if (error instanceof AuthError && error.code === "INVALID_INPUT") {
      return formAgain(token, refusedPassword(messagesOf(error.issues, error.message)));
    }
    const refusal = error instanceof AuthError ? commonRefusalPage(error, "reset") : undefined;
    if (refusal) return refusal;
    throw error;
  }
  return {
    status: 200,
    body: page({
      title: "Password changed",
      content: html`${notice("success", "Your new password is set.")}
<p>Every session of the account was signed out: log in again with the new password.</p>`,
    }),
  };
}

function formPage(token: string, error?: string): string {
  return page({
    title: "Choose a new password",
    content: html`${error === undefined ? "" : notice("error", error)}
<form method="post" action="reset-password">
${tokenField(token)}
<label for="newPassword">New password</label>
<input type="password" id="newPassword" name="newPassword" autocomplete="new-password" required>
<label for="confirmPassword">New password, again</label>
<input type="password" id="confirmPassword" name="confirmPassword" autocomplete="new-password" required>
<button type="submit">Set the new password</button>
</form>
<p class="hint">Every session of the account ends when the password changes.</p>`,
  });
}

/** The form again, with what was wrong; the passwords typed are never sent back. */
function formAgain(token: string, message: string): PageAnswer {
  return { status: 400, body: formPage(token, message) };
}

function refusedPassword(messages: readonly string[]): string {
  return `The new password was refused: it ${messages.join("; it ")}.`;
}

function messagesOf(issues: readonly FieldIssue[], fallback: string): string[] {
  const messages = issues.map((issue) => issue.message);
  return messages.length > 0 ? messages : [fallback];
}
