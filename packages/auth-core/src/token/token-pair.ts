import type { IssuedRefreshToken } from "../session/session.service.js";
import type { User } from "../user/user.js";
import type { AccessTokenService } from "./access-token.js";

/** What a login or a refresh hands the client. */
export interface TokenPair {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

/** Signs an access token for the session's user and pairs it with the session's refresh token. */
export async function issueTokenPair(
  tokens: AccessTokenService,
  user: User,
  issued: IssuedRefreshToken,
): Promise<TokenPair> {
  const access = await tokens.signUserToken({
    userId: user.id,
    sessionId: issued.sessionId,
    role: user.role,
  });
  return {
    accessToken: access.token,
    tokenType: "Bearer",
    expiresIn: access.expiresIn,
    refreshToken: issued.refreshToken,
    refreshExpiresIn: issued.refreshExpiresIn,
  };
}
