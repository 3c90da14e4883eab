import { z } from "zod";

const baseClaims = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string().min(1),
  iat: z.number(),
  exp: z.number(),
  jti: z.string().min(1),
});

export const userAccessTokenClaimsSchema = baseClaims.extend({
  sid: z.string().min(1),
  role: z.enum(["user", "admin"]),
  client_id: z.string().min(1).optional(),
});

export const serviceAccessTokenClaimsSchema = baseClaims.extend({
  scope: z.string(),
  client_id: z.string().min(1),
});

/** The claims of a user's access token: the session (`sid`) and the role it was issued with. */
export type UserAccessTokenClaims = z.infer<typeof userAccessTokenClaimsSchema>;
/** The claims of a service client's access token: its id and space-separated scopes. */
export type ServiceAccessTokenClaims = z.infer<typeof serviceAccessTokenClaimsSchema>;

/** A verified access token, told apart by `kind`. */
export type VerifiedAccessToken =
  | { readonly kind: "user"; readonly claims: UserAccessTokenClaims }
  | {
      readonly kind: "service";
      readonly claims: ServiceAccessTokenClaims;
      readonly scopes: readonly string[];
    };
