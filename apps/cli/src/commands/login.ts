import { isUnauthorizedError } from "@warden/client";
import { CliError } from "../cli-error.js";
import type { CliContext } from "../context.js";
import { answer, askPassword } from "../prompts.js";

export async function login(ctx: CliContext, usernameArgument: string | undefined): Promise<void> {
  const username = await answer({
    value: usernameArgument ?? ctx.options.username,
    flag: "--username",
    question: "Username or email",
  });
  const password = await askPassword({
    fromStdin: ctx.options.passwordStdin ?? false,
    question: "Password",
  });
  try {
    // The client files the pair in the credentials store as the answer arrives.
    await ctx.client.auth.login.mutate({ username, password });
  } catch (error) {
    // Here UNAUTHORIZED means wrong credentials, not an ended session: exit 1, not 3.
    if (isUnauthorizedError(error))
      throw new CliError(error instanceof Error ? error.message : "login failed", 1, {
        cause: error,
      });
    throw error;
  }
  // The token pair is never printed (only `warden token` does that): --json gives the User.
  const user = await ctx.client.users.me.query();
  ctx.print(user, () => `logged in to ${ctx.server} as ${user.username}`);
}
