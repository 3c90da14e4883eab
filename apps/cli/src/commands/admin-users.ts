import { ROLES, type Role } from "@warden/auth-core/schemas";
import { CliError, usageError } from "../cli-error.js";
import type { CliContext } from "../context.js";
import { formatTable } from "../table.js";
import { requireLogin } from "./whoami.js";

export async function listUsers(
  ctx: CliContext,
  options: { query?: string; limit?: number; cursor?: string },
): Promise<void> {
  await requireLogin(ctx);
  const page = await ctx.client.admin.users.list.query({
    ...(options.query !== undefined ? { query: options.query } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
  });
  ctx.print(page, () => {
    const table = formatTable(
      ["USERNAME", "NAME", "EMAIL", "ROLE", "ID"],
      page.items.map((user) => [user.username, user.name, user.email, user.role, user.id]),
    );
    return page.nextCursor ? `${table}\n(more: --cursor ${page.nextCursor})` : table;
  });
}

/** The id of the user with exactly this username, ignoring case, as usernames are unique. */
async function userIdOf(ctx: CliContext, username: string): Promise<string> {
  const page = await ctx.client.admin.users.list.query({ query: username, limit: 100 });
  const wanted = username.toLowerCase();
  const user = page.items.find((item) => item.username.toLowerCase() === wanted);
  if (!user) throw new CliError(`no user named ${username}`);
  return user.id;
}

function parseRole(role: string): Role {
  const found = ROLES.find((known) => known === role);
  if (!found) throw usageError(`role must be one of ${ROLES.join(", ")}, not ${role}`);
  return found;
}

export async function setRole(ctx: CliContext, username: string, roleText: string): Promise<void> {
  const role = parseRole(roleText);
  await requireLogin(ctx);
  const id = await userIdOf(ctx, username);
  const user = await ctx.client.admin.users.setRole.mutate({ id, role });
  ctx.print(
    user,
    () =>
      `${user.username} is now ${user.role === "admin" ? "an admin" : "a user"} (sessions from before a change of role have ended)`,
  );
}

/** `warden admin users reset-2fa`: for someone who lost both the phone and the recovery codes. */
export async function resetTwoFactor(ctx: CliContext, username: string): Promise<void> {
  await requireLogin(ctx);
  const id = await userIdOf(ctx, username);
  const user = await ctx.client.admin.users.resetTwoFactor.mutate({ id });
  ctx.print(
    user,
    () =>
      `two-factor login is off for ${user.username}; their sessions have ended (they log in with the password alone)`,
  );
}

export async function setDisabled(
  ctx: CliContext,
  username: string,
  disabled: boolean,
): Promise<void> {
  await requireLogin(ctx);
  const id = await userIdOf(ctx, username);
  const user = await ctx.client.admin.users.setDisabled.mutate({ id, disabled });
  ctx.print(user, () =>
    disabled ? `disabled ${user.username}; their sessions have ended` : `enabled ${user.username}`,
  );
}
