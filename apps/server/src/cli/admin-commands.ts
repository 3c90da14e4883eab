import {
  createAccountLinks,
  createUseCases,
  createWarden,
  type User,
  type WardenConfig,
  type WardenDatabase,
} from "@warden/auth-core";
import { createLogger } from "../logger.js";
import { mailerOver } from "../mail/mailer.js";
import { createThrottle } from "../security/throttle.js";

/** `warden-server promote <username>`: how the first admin comes to be. */
export async function promoteUser(
  database: WardenDatabase,
  config: WardenConfig,
  username: string,
): Promise<User> {
  const warden = await createWarden({ config, database });
  const user = await warden.users.findByUsername(username);
  if (!user) throw new Error(`no user named "${username}"`);
  // A one-shot process has no revocation set to consult: the database is the truth.
  const useCases = createUseCases({
    ...warden,
    throttle: createThrottle(),
    liveSessions: {
      isLive: async (id, userId) => (await warden.sessions.findLive(id))?.userId === userId,
    },
    // Promoting sends no mail.
    mailer: mailerOver(null, config.mail.from, createLogger("silent")),
    links: createAccountLinks(config.links),
    accountRules: config.accountRules,
  });
  return useCases.setRole(
    { kind: "system", name: "warden-server promote" },
    { id: user.id, role: "admin" },
    {},
  );
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
