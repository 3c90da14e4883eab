import { isUnauthorizedError, type LoginTokens, needsSecondFactor } from "@warden/client";
import { CliError } from "../cli-error.js";
import type { CliContext } from "../context.js";
import { answer, askPassword } from "../prompts.js";
import {
  checkOneFactor,
  completeSecondFactor,
  recoveryCodesLeft,
  type SecondFactorOptions,
} from "./two-factor.js";

export async function login(
  ctx: CliContext,
  usernameArgument: string | undefined,
  options: SecondFactorOptions = {},
): Promise<void> {
  checkOneFactor(options);
  const username = await answer({
    value: usernameArgument ?? ctx.options.username,
    flag: "--username",
    question: "Username or email",
  });
  const password = await askPassword({
    fromStdin: ctx.options.passwordStdin ?? false,
    question: "Password",
  });
  let tokens: LoginTokens | null = null;
  try {
    // The client files the pair in the credentials store as the answer arrives.
    const result = await ctx.client.auth.login.mutate({ username, password });
    // An account with two-factor login: nothing is stored until the code is right.
    if (needsSecondFactor(result)) tokens = await completeSecondFactor(ctx, result, options);
  } catch (error) {
    // Here UNAUTHORIZED means wrong credentials, not an ended session: exit 1, not 3.
    if (isUnauthorizedError(error))
      throw new CliError(error instanceof Error ? error.message : "login failed", 1, {
        cause: error,
      });
    throw error;
  }
  const remaining = tokens?.recoveryCodesRemaining;
  // The token pair is never printed (only `warden token` does that): --json gives the User,
  // with how many recovery codes are left after a login with one.
  const user = await ctx.client.users.me.query();
  if (remaining === undefined) {
    ctx.print(user, () => `logged in to ${ctx.server} as ${user.username}`);
    return;
  }
  const left = recoveryCodesLeft(remaining);
  ctx.print(
    { ...user, recoveryCodesRemaining: remaining },
    () => `logged in to ${ctx.server} as ${user.username} with a recovery code; ${left}`,
  );
}
