import { notLoggedIn } from "../cli-error.js";
import type { CliContext } from "../context.js";
import { requireLogin } from "./whoami.js";

export async function token(ctx: CliContext): Promise<void> {
  await requireLogin(ctx);
  // Asking the server proves the token is good now (not revoked, not
  // expired), and refreshes it through the client when it has expired.
  await ctx.client.auth.verify.query();
  const tokens = await ctx.store.get();
  if (!tokens) throw notLoggedIn(ctx.server);
  // Raw even with --json: it is meant for $(warden token).
  process.stdout.write(`${tokens.accessToken}\n`);
}
