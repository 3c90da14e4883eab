import { z } from "zod";
import { ROLES } from "./roles.js";

// The claims of Warden's access tokens, as the server signs them and as every
// verifier (the server's own, @warden/client's) parses them: one definition.

/** The `client_id` of every user token: Warden itself is the client a user logs in through. */
export const USER_TOKEN_CLIENT_ID = "warden";

const baseClaims = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string().min(1),
  iat: z.number(),
  exp: z.number(),
  jti: z.string().min(1),
  /** A service token names itself; a user token names Warden (`"warden"`). */
  client_id: z.string().min(1),
});

/** A user's access token: the session (`sid`) and the role it was issued with. */
export const userAccessTokenClaimsSchema = baseClaims.extend({
  sid: z.string().min(1),
  role: z.enum(ROLES),
});

/** A service client's access token: space-separated scopes; `client_id` equals `sub`. */
export const serviceAccessTokenClaimsSchema = baseClaims.extend({
  scope: z.string(),
});

/** The claims of a user's access token: the session (`sid`) and the role it was issued with. */
export type UserAccessTokenClaims = z.infer<typeof userAccessTokenClaimsSchema>;
/** The claims of a service client's access token: its id and space-separated scopes. */
export type ServiceAccessTokenClaims = z.infer<typeof serviceAccessTokenClaimsSchema>;
