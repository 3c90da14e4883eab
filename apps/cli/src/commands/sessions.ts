import type { CliContext } from "../context.js";
import { formatTable } from "../table.js";
import { requireLogin } from "./whoami.js";

export async function listSessions(ctx: CliContext): Promise<void> {
  await requireLogin(ctx);
  const sessions = await ctx.client.sessions.list.query();
  ctx.print(sessions, () =>
    formatTable(
      ["", "ID", "CREATED", "LAST USED", "IP", "USER AGENT"],
      sessions.map((session) => [
        session.current ? "*" : "",
        session.id,
        session.createdAt,
        session.lastUsedAt,
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
