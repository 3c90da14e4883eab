import { notLoggedIn } from "../cli-error.js";
import type { CliContext } from "../context.js";

export async function requireLogin(ctx: CliContext): Promise<void> {
  if (!(await ctx.store.get())) throw notLoggedIn(ctx.server);
}

export async function whoami(ctx: CliContext): Promise<void> {
  await requireLogin(ctx);
  // An expired access token is refreshed by the client, and the rotated pair saved.
  const user = await ctx.client.users.me.query();
  ctx.print(
    user,
    () =>
      `${user.username} (${user.name} <${user.email}>), ${user.role}, ${
        user.emailVerified ? "email verified" : "email not verified"
      }, two-factor login ${user.twoFactorEnabled ? "on" : "off"}, on ${ctx.server}`,
  );
}
