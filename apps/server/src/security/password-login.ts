import { AuthError, type ClientInfo, type TokenPair, type User } from "@warden/auth-core";
import type { ServerDeps } from "../context.js";

/**
 * A password login, throttled and audited: the one path shared by
 * `auth.login` and the OAuth password grant, so both lock an account alike.
 */
export async function passwordLogin(
  deps: Pick<ServerDeps, "warden" | "throttle">,
  credentials: { username: string; password: string },
  client: ClientInfo & { ip: string },
): Promise<{ user: User; tokens: TokenPair; sessionId: string }> {
  const { warden, throttle } = deps;
  await throttle.check(credentials.username, client.ip);
  try {
    const result = await warden.auth.login(credentials, client);
    await throttle.succeeded(credentials.username);
    await warden.audit.record({
      kind: "login.succeeded",
      userId: result.user.id,
      ip: client.ip,
      detail: { sessionId: result.sessionId },
    });
    return result;
  } catch (error) {
    if (error instanceof AuthError && error.code === "INVALID_CREDENTIALS") {
      const { locked } = await throttle.failed(credentials.username, client.ip);
      const detail = { identifier: credentials.username.slice(0, 254) };
      await warden.audit.record({ kind: "login.failed", ip: client.ip, detail });
      if (locked) await warden.audit.record({ kind: "login.locked", ip: client.ip, detail });
    }
    throw error;
  }
}
