import type { CliContext } from "../context.js";
import { formatRelativeTime } from "../relative-time.js";
import { formatTable } from "../table.js";
import { requireLogin } from "./whoami.js";

export async function listSessions(ctx: CliContext): Promise<void> {
  await requireLogin(ctx);
  const sessions = await ctx.client.sessions.list.query();
  // The table says how long ago; --json keeps the ISO times.
  const now = ctx.now();
  ctx.print(sessions, () =>
    formatTable(
      ["", "ID", "CREATED", "LAST USED", "IP", "USER AGENT"],
      sessions.map((session) => [
        session.current ? "*" : "",
        session.id,
        formatRelativeTime(session.createdAt, now),
        formatRelativeTime(session.lastUsedAt, now),
        session.ip ?? "",
        session.userAgent ?? "",
      ]),
    ),
  );
}

export async function revokeSession(ctx: CliContext, id: string): Promise<void> {
  await requireLogin(ctx);
  const result = await ctx.client.sessions.revoke.mutate({ id });
  ctx.print(result, () => `revoked session ${id}`);
}
