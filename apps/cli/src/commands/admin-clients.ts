import type { CliContext } from "../context.js";
import { formatTable } from "../table.js";
import { requireLogin } from "./whoami.js";

export async function createClient(
  ctx: CliContext,
  name: string,
  scopes: readonly string[],
): Promise<void> {
  await requireLogin(ctx);
  const created = await ctx.client.admin.clients.create.mutate({ name, scopes: [...scopes] });
  // The secret is shown this once (the server keeps only its hash): say so.
  ctx.print(created, () =>
    [
      `client id:     ${created.clientId}`,
      `client secret: ${created.clientSecret}`,
      `scopes:        ${created.scopes.join(" ") || "(none)"}`,
      "Keep the secret now: it cannot be shown again.",
    ].join("\n"),
  );
}

export async function listClients(ctx: CliContext): Promise<void> {
  await requireLogin(ctx);
  const clients = await ctx.client.admin.clients.list.query();
  ctx.print(clients, () =>
    formatTable(
      ["CLIENT ID", "NAME", "SCOPES", "CREATED"],
      clients.map((client) => [
        client.clientId,
        client.name,
        client.scopes.join(" "),
        client.createdAt,
      ]),
    ),
  );
}

export async function revokeClient(ctx: CliContext, clientId: string): Promise<void> {
  await requireLogin(ctx);
  const result = await ctx.client.admin.clients.revoke.mutate({ clientId });
  ctx.print(result, () => `revoked client ${clientId}`);
}
