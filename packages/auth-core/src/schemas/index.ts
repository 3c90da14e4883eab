// @warden/auth-core/schemas: what a client needs at run time to speak Warden's
// wire format. It imports only zod (no database, no bcrypt), so clients can
// bundle it.

export {
  type ServiceAccessTokenClaims,
  serviceAccessTokenClaimsSchema,
  USER_TOKEN_CLIENT_ID,
  type UserAccessTokenClaims,
  userAccessTokenClaimsSchema,
} from "./access-token-claims.js";
export { ROLES, type Role } from "./roles.js";
export { SCOPES, type Scope } from "./scopes.js";
