// The public surface of @warden/client, listed explicitly.
export type {
  ServiceAccessTokenClaims,
  UserAccessTokenClaims,
  VerifiedAccessToken,
} from "./access-token-claims.js";
export type { WardenClient, WardenClientOptions } from "./create-client.js";
export { createWardenClient } from "./create-client.js";
export { errorCodeOf, isUnauthorizedError } from "./errors.js";
export type { LoginResult, LoginTokens, MfaChallenge } from "./login-result.js";
export { needsSecondFactor } from "./login-result.js";
export type { ServiceClient, ServiceClientOptions } from "./service-client.js";
export { createServiceClient, ServiceAuthenticationError } from "./service-client.js";
export type { MemoryTokenStore, TokenSet, TokenStore } from "./token-store.js";
export { createMemoryTokenStore } from "./token-store.js";
export type { TokenVerifier, TokenVerifierOptions } from "./token-verifier.js";
export { createTokenVerifier, InvalidTokenError } from "./token-verifier.js";
