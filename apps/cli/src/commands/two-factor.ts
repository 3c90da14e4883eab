import { errorCodeOf, type LoginTokens, type MfaChallenge } from "@warden/client";
import QRCode from "qrcode";
import { CliError, usageError } from "../cli-error.js";
import type { CliContext } from "../context.js";
import { prefixed } from "../failure.js";
import { answer, askPassword, canAsk } from "../prompts.js";
import { requireLogin } from "./whoami.js";

/** How a second factor was given on the command line: `--otp CODE` or `--recovery-code CODE`. */
export interface SecondFactorOptions {
  readonly otp?: string | undefined;
  readonly recoveryCode?: string | undefined;
}

/** From this many recovery codes left down, a login with one warns to make new ones. */
export const FEW_RECOVERY_CODES = 3;

const CODE_QUESTION = "Two-factor code";

/** `--otp` and `--recovery-code` together: checked before the password is asked. */
export function checkOneFactor(options: SecondFactorOptions): void {
  if (options.otp !== undefined && options.recoveryCode !== undefined)
    throw usageError("pass --otp or --recovery-code, not both");
}

/**
 * Fails at once (exit 2) when no flag gives the code and no terminal can
 * ask for it: for a command that would otherwise read the password first.
 */
function checkCodeCanBeAsked(options: SecondFactorOptions, flags: string): void {
  if (options.otp === undefined && options.recoveryCode === undefined && !canAsk())
    throw usageError(`no terminal to ask "${CODE_QUESTION}": pass ${flags}`);
}

/** A code from its flag, else asked at the terminal (exit 2 without one). */
async function askCode(
  value: string | undefined,
  flag: string,
  question = CODE_QUESTION,
): Promise<string> {
  return (await answer({ value, flag, question })).trim();
}

/** Codes asked at the prompt before a wrong one ends the login (each counts toward the lock). */
export const CODE_TRIES = 3;

/**
 * The second step of a login with two-factor login: the code from `--otp`,
 * a recovery code from `--recovery-code`, or the one typed at the prompt.
 * The client files the token pair as the answer arrives. A wrong code from
 * a flag, like a wrong password, exits 1 with the server's reason; at the
 * prompt it is asked again (the server keeps the step open after a wrong
 * code, 400), up to CODE_TRIES, unless the step itself is over (401).
 */
export async function completeSecondFactor(
  ctx: CliContext,
  challenge: MfaChallenge,
  options: SecondFactorOptions,
): Promise<LoginTokens> {
  const verify = (factor: { code: string } | { recoveryCode: string }) =>
    ctx.client.auth.verifyMfa.mutate({ mfaToken: challenge.mfaToken, ...factor });
  if (options.recoveryCode !== undefined)
    return verify({ recoveryCode: options.recoveryCode.trim() });
  if (options.otp !== undefined) return verify({ code: options.otp.trim() });
  for (let tries = 1; ; tries += 1) {
    const code = await askCode(undefined, "--otp CODE or --recovery-code CODE");
    try {
      return await verify({ code });
    } catch (error) {
      if (tries >= CODE_TRIES || errorCodeOf(error) !== "BAD_REQUEST") throw error;
      const reason = error instanceof Error ? error.message : "the code was refused";
      process.stderr.write(prefixed(`${reason}; try again`));
    }
  }
}

/** The line after a login with a recovery code, and a warning on stderr when few are left. */
export function recoveryCodesLeft(remaining: number): string {
  if (remaining <= FEW_RECOVERY_CODES)
    process.stderr.write(
      prefixed(
        `${remaining === 0 ? "no recovery codes are left" : `only ${countOf(remaining)} left`}: run \`warden 2fa recovery-codes\` for new ones`,
      ),
    );
  return `${countOf(remaining)} left`;
}

function countOf(remaining: number): string {
  return `${remaining} recovery code${remaining === 1 ? "" : "s"}`;
}

/** The recovery codes, one a line, with what to do with them. */
function describeRecoveryCodes(heading: string, codes: readonly string[]): string {
  return [
    heading,
    "Recovery codes (each works once, in place of a code from the app):",
    ...codes.map((code) => `  ${code}`),
    "Store them somewhere safe, away from this device: they are not shown again.",
  ].join("\n");
}

/** The QR code of the otpauth URI, the secret to type in by hand and the URI itself. */
async function describeSetup(setup: { secret: string; otpauthUri: string }): Promise<string> {
  const qr = await QRCode.toString(setup.otpauthUri, { type: "terminal", small: true });
  return [
    "Scan this QR code with your authenticator app:",
    qr.replace(/\n$/, ""),
    `Or type the secret in by hand: ${setup.secret}`,
    `otpauth URI: ${setup.otpauthUri}`,
  ].join("\n");
}

/**
 * `warden 2fa enable`: a new secret (QR code, secret, URI), a code from the
 * app, then the 10 recovery codes, once. Without a terminal it takes two
 * runs: without `--otp` it starts the setup and prints it; with `--otp CODE`
 * it completes the pending setup (and starts none). Refused while two-factor
 * login is on.
 */
export async function enableTwoFactor(ctx: CliContext, options: { otp?: string }): Promise<void> {
  await requireLogin(ctx);
  // The server refuses a new setup while it is on (a stolen token must not swap the authenticator).
  const me = await ctx.client.users.me.query();
  if (me.twoFactorEnabled)
    throw new CliError(
      `two-factor login is already on for ${me.username}: to set up a new authenticator, turn it off first with \`warden 2fa disable\``,
    );
  if (options.otp !== undefined) {
    const enabled = await enablePending(ctx, options.otp);
    printEnabled(ctx, enabled, enabled);
    return;
  }
  const setup = await ctx.client.users.totp.setup.mutate();
  const shown = await describeSetup(setup);
  if (!canAsk()) {
    // A script: the setup is pending until `warden 2fa enable --otp CODE`.
    ctx.print(
      setup,
      () =>
        `${shown}\ntwo-factor login is not on yet: run \`warden 2fa enable --otp CODE\` with a code from the app`,
    );
    return;
  }
  // With --json stdout carries only the JSON: the person still needs the QR code to scan.
  process[ctx.options.json ? "stderr" : "stdout"].write(`${shown}\n`);
  const enabled = await enablePending(ctx, await askCode(undefined, "--otp CODE"));
  printEnabled(ctx, { ...setup, ...enabled }, enabled);
}

async function enablePending(ctx: CliContext, code: string): Promise<{ recoveryCodes: string[] }> {
  try {
    return await ctx.client.users.totp.enable.mutate({ code: code.trim() });
  } catch (error) {
    if (errorCodeOf(error) === "CONFLICT")
      throw new CliError(
        "no two-factor setup is pending: run `warden 2fa enable` without --otp first",
        1,
        { cause: error },
      );
    throw error;
  }
}

function printEnabled(
  ctx: CliContext,
  output: unknown,
  enabled: { recoveryCodes: readonly string[] },
): void {
  ctx.print(output, () =>
    describeRecoveryCodes(`two-factor login is on for ${ctx.server}`, enabled.recoveryCodes),
  );
}

/**
 * `warden 2fa disable`: the password (or `--password-stdin`), then a code
 * from the app or a recovery code (`--otp`, `--recovery-code`, or asked).
 */
export async function disableTwoFactor(
  ctx: CliContext,
  options: SecondFactorOptions,
): Promise<void> {
  await requireLogin(ctx);
  checkOneFactor(options);
  checkCodeCanBeAsked(options, "--otp CODE or --recovery-code CODE");
  const currentPassword = await askPassword({
    fromStdin: ctx.options.passwordStdin ?? false,
    question: "Current password",
  });
  // The server takes either kind of code in the one field.
  const code = await askCode(
    options.otp ?? options.recoveryCode,
    "--otp CODE or --recovery-code CODE",
    `${CODE_QUESTION} (or a recovery code)`,
  );
  const user = await ctx.client.users.totp.disable.mutate({ currentPassword, code });
  ctx.print(user, () => `two-factor login is off for ${user.username} on ${ctx.server}`);
}

/** `warden 2fa recovery-codes`: 10 new recovery codes for a code from the app; the old ones die. */
export async function regenerateRecoveryCodes(
  ctx: CliContext,
  options: { otp?: string },
): Promise<void> {
  await requireLogin(ctx);
  const code = await askCode(options.otp, "--otp CODE");
  const result = await ctx.client.users.totp.regenerateRecoveryCodes.mutate({ code });
  ctx.print(result, () =>
    describeRecoveryCodes(
      "new recovery codes: the earlier ones no longer work",
      result.recoveryCodes,
    ),
  );
}
