import { isUnauthorizedError } from "@warden/client";
import type { CliContext } from "../context.js";
import { requireLogin } from "./whoami.js";

export async function logout(ctx: CliContext): Promise<void> {
  await requireLogin(ctx);
  const tokens = await ctx.store.get();
  let alreadyEnded = false;
  try {
    await ctx.client.auth.logout.mutate(
      tokens?.refreshToken ? { refreshToken: tokens.refreshToken } : {},
    );
  } catch (error) {
    // The session is gone on the server already: forgetting it here is all that is left to do.
    if (!isUnauthorizedError(error)) throw error;
    alreadyEnded = true;
  }
  await ctx.store.remove();
  ctx.print({ ok: true }, () =>
    alreadyEnded
      ? `logged out of ${ctx.server} (the session had already ended)`
      : `logged out of ${ctx.server}`,
  );
}
