import { AuthError } from "../errors.js";
import type { SessionService } from "../session/session.service.js";
import type { User } from "../user/user.js";
import type { UserService } from "../user/user.service.js";
import type { AccessTokenService } from "./access-token.js";

/** What a login or a refresh hands the client (CONTRACT: TokenPair). */
export interface TokenPair {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

export interface TokenPairIssuer {
  /** Checks the credentials and starts a session. Throws INVALID_CREDENTIALS. */
  login(
    credentials: { username: string; password: string },
    client: ClientInfo,
  ): Promise<{ user: User; tokens: TokenPair; sessionId: string }>;
  /** Rotates the refresh token; the session (sid) stays. Throws INVALID_REFRESH_TOKEN. */
  refresh(refreshToken: string): Promise<{ user: User; tokens: TokenPair; sessionId: string }>;
}

export interface ClientInfo {
  userAgent?: string | null;
  ip?: string | null;
}

export function createTokenPairIssuer(deps: {
  users: UserService;
  sessions: SessionService;
  tokens: AccessTokenService;
}): TokenPairIssuer {
  const { users, sessions, tokens } = deps;

  async function pair(
    user: User,
    sessionId: string,
    refreshToken: string,
    refreshExpiresIn: number,
  ): Promise<TokenPair> {
    const access = await tokens.signUserToken({ userId: user.id, sessionId, role: user.role });
    return {
      accessToken: access.token,
      tokenType: "Bearer",
      expiresIn: access.expiresIn,
      refreshToken,
      refreshExpiresIn,
    };
  }

  return {
    async login(credentials, client) {
      const user = await users.authenticate(credentials);
      const issued = await sessions.create(user.id, client);
      return {
        user,
        sessionId: issued.sessionId,
        tokens: await pair(user, issued.sessionId, issued.refreshToken, issued.refreshExpiresIn),
      };
    },

    async refresh(refreshToken) {
      const issued = await sessions.rotate(refreshToken);
      // One read: a user deleted or disabled since the login gets no new tokens.
      const user = await users.findActiveById(issued.userId);
      if (!user) {
        await sessions.revoke(issued.userId, issued.sessionId, "disabled");
        throw new AuthError("INVALID_REFRESH_TOKEN");
      }
      return {
        user,
        sessionId: issued.sessionId,
        tokens: await pair(user, issued.sessionId, issued.refreshToken, issued.refreshExpiresIn),
      };
    },
  };
}
