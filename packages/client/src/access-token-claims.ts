import type { ServiceAccessTokenClaims, UserAccessTokenClaims } from "@warden/auth-core/schemas";

// The claim schemas are auth-core's, the very ones the server verifies with
// (@warden/auth-core/schemas, bundled into this package's dist).
export {
  type ServiceAccessTokenClaims,
  serviceAccessTokenClaimsSchema,
  type UserAccessTokenClaims,
  userAccessTokenClaimsSchema,
} from "@warden/auth-core/schemas";

/** A verified access token, told apart by `kind`. */
export type VerifiedAccessToken =
  | { readonly kind: "user"; readonly claims: UserAccessTokenClaims }
  | {
      readonly kind: "service";
      readonly claims: ServiceAccessTokenClaims;
      readonly scopes: readonly string[];
    };
