import { errorCodeOf } from "@warden/client";
import type { CliContext } from "../context.js";
import { describeFieldErrors, fieldErrorsOf, prefixed } from "../failure.js";
import { answer, askPassword, canAsk } from "../prompts.js";

/**
 * The server's reasons when it refused the password and nothing else (too
 * short, too common, containing the username): a BAD_REQUEST whose field
 * errors name only `password`. Null for any other failure.
 */
export function passwordRefusalOf(error: unknown): string | null {
  if (errorCodeOf(error) !== "BAD_REQUEST") return null;
  const fields = fieldErrorsOf(error);
  if (!fields || Object.keys(fields).some((field) => field !== "password")) return null;
  return describeFieldErrors(fields);
}

export async function register(ctx: CliContext): Promise<void> {
  const { options } = ctx;
  const username = await answer({
    value: options.username,
    flag: "--username",
    question: "Username",
  });
  const email = await answer({ value: options.email, flag: "--email", question: "Email" });
  const name = await answer({ value: options.name, flag: "--name", question: "Name" });
  const fromStdin = options.passwordStdin ?? false;
  for (;;) {
    const password = await askPassword({ fromStdin, question: "Password", confirm: true });
    try {
      const user = await ctx.client.auth.register.mutate({ username, email, name, password });
      ctx.print(
        user,
        () =>
          `registered ${user.username} on ${ctx.server}; log in with \`warden login ${user.username}\``,
      );
      return;
    } catch (error) {
      // A person at the prompt chooses another password; a script (stdin) fails as it would.
      const refusal = passwordRefusalOf(error);
      if (refusal === null || fromStdin || !canAsk()) throw error;
      process.stderr.write(prefixed(refusal));
    }
  }
}
