import type { CliContext } from "../context.js";
import { answer, askPassword } from "../prompts.js";

export async function register(ctx: CliContext): Promise<void> {
  const { options } = ctx;
  const username = await answer({
    value: options.username,
    flag: "--username",
    question: "Username",
  });
  const email = await answer({ value: options.email, flag: "--email", question: "Email" });
  const name = await answer({ value: options.name, flag: "--name", question: "Name" });
  const password = await askPassword({
    fromStdin: options.passwordStdin ?? false,
    question: "Password",
    confirm: true,
  });
  const user = await ctx.client.auth.register.mutate({ username, email, name, password });
  ctx.print(
    user,
    () =>
      `registered ${user.username} on ${ctx.server}; log in with \`warden login ${user.username}\``,
  );
}
