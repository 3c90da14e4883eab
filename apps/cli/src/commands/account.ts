import { errorCodeOf, isUnauthorizedError } from "@warden/client";
import { usageError } from "../cli-error.js";
import type { CliContext } from "../context.js";
import { describeFieldErrors, fieldErrorsOf, prefixed } from "../failure.js";
import { answer, askPassword, canAsk } from "../prompts.js";
import { requireLogin } from "./whoami.js";

/**
 * The token of a mailed link, given either alone or as the whole link
 * (`https://…/account/verify-email?token=…`, pasted from the mail).
 */
export function tokenOf(value: string): string {
  const text = value.trim();
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return text;
    }
    const token = url.searchParams.get("token");
    if (token === null) throw usageError("that link has no token in it (?token=…)");
    return token;
  }
  return text;
}

/**
 * The server's reasons when it refused one field and nothing else (a new
 * password that is too short or too common): a BAD_REQUEST whose field
 * errors name only `field`. Null for any other failure.
 */
function refusalOf(error: unknown, field: string): string | null {
  if (errorCodeOf(error) !== "BAD_REQUEST") return null;
  const fields = fieldErrorsOf(error);
  if (!fields || Object.keys(fields).some((name) => name !== field)) return null;
  return describeFieldErrors(fields);
}

/** `warden verify-email TOKEN`: confirms an address (a new account's, or a change) from its mailed link. */
export async function verifyEmail(ctx: CliContext, tokenArgument: string): Promise<void> {
  const result = await ctx.client.auth.verifyEmail.mutate({ token: tokenOf(tokenArgument) });
  ctx.print(result, () => `verified ${result.email} on ${ctx.server}`);
}

/** `warden resend-verification`: a new verification link to the logged-in account's address. */
export async function resendVerification(ctx: CliContext): Promise<void> {
  await requireLogin(ctx);
  const me = await ctx.client.users.me.query();
  const result = await ctx.client.auth.resendVerification.mutate();
  ctx.print(
    result,
    () =>
      `sent a new verification link to ${me.email} (the one mailed before no longer works); open it, or run \`warden verify-email TOKEN\``,
  );
}

/**
 * `warden reset-password --email ADDRESS` asks for a reset link (the answer
 * says nothing about whether the address has an account);
 * `warden reset-password --token TOKEN` sets the new password from it.
 */
export async function resetPassword(
  ctx: CliContext,
  options: { token?: string | undefined },
): Promise<void> {
  const email = ctx.options.email;
  if (email !== undefined && options.token !== undefined)
    throw usageError("reset-password takes --email or --token, not both");
  if (email !== undefined) {
    const result = await ctx.client.auth.requestPasswordReset.mutate({ email });
    ctx.print(
      result,
      () =>
        `if an account on ${ctx.server} has the address ${email}, a reset link is on its way to it; then run \`warden reset-password --token TOKEN\` or open the link`,
    );
    return;
  }
  if (options.token === undefined)
    throw usageError(
      "reset-password needs --email ADDRESS (to get a link) or --token TOKEN (from the link)",
    );
  const token = tokenOf(options.token);
  const fromStdin = ctx.options.passwordStdin ?? false;
  for (;;) {
    const newPassword = await askPassword({ fromStdin, question: "New password", confirm: true });
    try {
      await ctx.client.auth.resetPassword.mutate({ token, newPassword });
      break;
    } catch (error) {
      // The link stays usable when only the password was refused: a person at the prompt tries another.
      const refusal = refusalOf(error, "newPassword");
      if (refusal === null || fromStdin || !canAsk()) throw error;
      process.stderr.write(prefixed(refusal));
    }
  }
  // Every session of that account has ended. If this CLI was logged in to it,
  // its credentials no longer work: forget them, as `warden logout` does.
  const loggedOut = await forgetEndedLogin(ctx);
  ctx.print({ ok: true }, () =>
    [
      `the password has been changed; every session of the account has ended`,
      loggedOut ? `, so the stored login for ${ctx.server} is forgotten` : "",
      `: log in with the new password`,
    ].join(""),
  );
}

/**
 * Removes the stored credentials when the server no longer takes them (the
 * client has already tried a refresh). A login to another account stays.
 */
async function forgetEndedLogin(ctx: CliContext): Promise<boolean> {
  if (!(await ctx.store.get())) return false;
  try {
    await ctx.client.auth.verify.query();
    return false;
  } catch (error) {
    if (!isUnauthorizedError(error)) return false;
    await ctx.store.remove();
    return true;
  }
}

/** `warden profile set --name NAME`. */
export async function setProfile(ctx: CliContext): Promise<void> {
  await requireLogin(ctx);
  const name = await answer({ value: ctx.options.name, flag: "--name", question: "Name" });
  const user = await ctx.client.users.updateProfile.mutate({ name });
  ctx.print(user, () => `your name is now ${user.name}`);
}

/** `warden change-email ADDRESS`: the change happens when the link mailed to ADDRESS is confirmed. */
export async function changeEmail(ctx: CliContext, newEmail: string): Promise<void> {
  await requireLogin(ctx);
  const currentPassword = await askPassword({
    fromStdin: ctx.options.passwordStdin ?? false,
    question: "Current password",
  });
  const result = await ctx.client.users.changeEmail.mutate({ newEmail, currentPassword });
  ctx.print(
    result,
    () =>
      `sent a confirmation link to ${newEmail}; your address changes when it is opened (or \`warden verify-email TOKEN\`)`,
  );
}

/**
 * `warden delete-account`: asks the current password and, unless `--yes`,
 * for the username typed out. Forgets this server's credentials after.
 */
export async function deleteAccount(
  ctx: CliContext,
  options: { yes?: boolean | undefined },
): Promise<void> {
  await requireLogin(ctx);
  const me = await ctx.client.users.me.query();
  if (!options.yes) {
    // Checked before the password is read, so a script without --yes fails at once.
    if (!canAsk())
      throw usageError(`no terminal to confirm the deletion of ${me.username}: pass --yes`);
    process.stderr.write(
      `This deletes the account ${me.username} on ${ctx.server} and its posts for good.\n`,
    );
    const typed = await answer({
      value: undefined,
      flag: "--yes",
      question: `Type the username (${me.username}) to confirm`,
    });
    if (typed.trim() !== me.username)
      throw usageError("that is not the username: nothing was deleted");
  }
  const currentPassword = await askPassword({
    fromStdin: ctx.options.passwordStdin ?? false,
    question: "Current password",
  });
  const result = await ctx.client.users.deleteAccount.mutate({ currentPassword });
  // Its sessions ended with it: nothing stored for this server works any more.
  await ctx.store.remove();
  ctx.print(result, () => `deleted the account ${me.username} on ${ctx.server}; logged out`);
}
