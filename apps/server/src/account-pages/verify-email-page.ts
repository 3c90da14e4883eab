import { AuthError, type RequestFacts } from "@warden/auth-core";
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

export const VERIFY_EMAIL_PATH = "/account/verify-email";

/**
 * GET /account/verify-email?token=…: the form, whatever the token. Opening
 * the link uses nothing up (mail scanners and link previews open links);
 * the person's press of the button does.
 */
export function verifyEmailForm(query: { token?: unknown }): PageAnswer {
  const token = readToken(query.token);
  if (token === undefined) return incompleteLinkPage();
  return {
    status: 200,
    body: page({
      title: "Verify your email address",
      content: html`<p>Press the button to confirm that this email address is yours.</p>
<form method="post" action="verify-email">
${tokenField(token)}
<button type="submit">Verify my email address</button>
</form>`,
    }),
  };
}

/** POST /account/verify-email with the token in the body: confirms the address. */
export async function submitVerifyEmail(
  deps: Pick<ServerDeps, "useCases">,
  body: { token?: unknown },
  request: RequestFacts,
): Promise<PageAnswer> {
  const token = readToken(body.token);
  if (token === undefined) return incompleteLinkPage();
  if (isImpossibleToken(token)) return invalidLinkPage("verify");
  try {
    const { email } = await deps.useCases.verifyEmail(token, request);
    return {
      status: 200,
      body: page({
        title: "Email address verified",
        content: html`${notice("success", html`<strong>${email}</strong> is verified.`)}
<p>You can close this page and go back to the app.</p>`,
      }),
    };
  } catch (error) {
    const refusal = error instanceof AuthError ? commonRefusalPage(error, "verify") : undefined;
    if (refusal) return refusal;
    throw error;
  }
}
