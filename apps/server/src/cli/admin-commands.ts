import { createWarden, type User, type WardenConfig, type WardenDatabase } from "@warden/auth-core";

/** `warden-server promote <username>`: how the first admin comes to be. */
export async function promoteUser(
  database: WardenDatabase,
  config: WardenConfig,
  username: string,
): Promise<User> {
  const warden = await createWarden({ config, database });
  const user = await warden.users.findByUsername(username);
  if (!user) throw new Error(`no user named "${username}"`);
  return warden.users.setRole(user.id, "admin");
}

/** `warden-server keys rotate`: returns the new key's kid. */
export async function rotateSigningKey(
  database: WardenDatabase,
  config: WardenConfig,
): Promise<string> {
  const warden = await createWarden({ config, database });
  const key = await warden.keyRing.rotate();
  return key.kid;
}
