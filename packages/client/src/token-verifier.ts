import type { JWTHeaderParameters, JWTPayload } from "jose";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from "jose";
import type { VerifiedAccessToken } from "./access-token-claims.js";
import {
  serviceAccessTokenClaimsSchema,
  userAccessTokenClaimsSchema,
} from "./access-token-claims.js";

/** Why a token was refused; `cause` holds jose's error when there is one. */
export class InvalidTokenError extends Error {
  readonly code: "TOKEN_EXPIRED" | "TOKEN_INVALID";
  constructor(code: "TOKEN_EXPIRED" | "TOKEN_INVALID", message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidTokenError";
    this.code = code;
  }
}

export interface TokenVerifierOptions {
  /** The server's issuer (`iss`), e.g. `http://127.0.0.1:3000`. */
  readonly issuer: string;
  /** The audience this service accepts (`aud`); the server's default is its issuer. */
  readonly audience: string | readonly string[];
  /** Usually `<issuer>/.well-known/jwks.json`. */
  readonly jwksUrl: string | URL;
  /** The algorithms to accept: pinned, so a token cannot pick a weaker one. Default `["EdDSA"]`. */
  readonly algorithms?: readonly string[];
  /** Seconds of clock skew to tolerate on `exp`/`iat`. Default 0. */
  readonly clockToleranceSeconds?: number;
  /**
   * The least time between two JWKS fetches, so tokens naming unknown keys
   * cannot make the service hammer Warden. Default 30 s (jose's default).
   */
  readonly jwksCooldownSeconds?: number;
}

export interface TokenVerifier {
  /** Verifies a Warden access token; throws InvalidTokenError. */
  verify(token: string): Promise<VerifiedAccessToken>;
}

// Key material a token may try to bring along; trusting any of it would let
// the token choose the key that verifies it.
const FORBIDDEN_HEADER_KEYS = ["jwk", "jku", "x5u", "x5c"] as const;

/**
 * Verifies Warden access tokens locally against the server's JWKS, for other
 * services. The key set is fetched once, cached, and fetched again when a
 * token names a key it does not know (after a key rotation). A token stays
 * valid here until it expires even if its session was ended: services that
 * must know at once use introspection.
 *
 * @example
 * const verifier = createTokenVerifier({
 *   issuer: "https://auth.example.com",
 *   audience: "https://auth.example.com",
 *   jwksUrl: "https://auth.example.com/.well-known/jwks.json",
 * });
 * const { kind, claims } = await verifier.verify(bearerToken);
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: (options.jwksCooldownSeconds ?? 30) * 1000,
  });
  const algorithms = [...(options.algorithms ?? ["EdDSA"])];
  const audience = typeof options.audience === "string" ? options.audience : [...options.audience];

  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(
          token,
          (header: JWTHeaderParameters, input) => {
            if (FORBIDDEN_HEADER_KEYS.some((name) => name in header))
              throw new InvalidTokenError("TOKEN_INVALID", "the token carries its own key");
            return jwks(header, input);
          },
          {
            algorithms,
            issuer: options.issuer,
            audience,
            typ: "at+jwt",
            requiredClaims: ["sub", "exp", "iat", "jti"],
            clockTolerance: options.clockToleranceSeconds ?? 0,
          },
        ));
      } catch (error) {
        if (error instanceof InvalidTokenError) throw error;
        if (error instanceof joseErrors.JWTExpired)
          throw new InvalidTokenError("TOKEN_EXPIRED", "the access token has expired", {
            cause: error,
          });
        throw new InvalidTokenError("TOKEN_INVALID", "the access token is invalid", {
          cause: error,
        });
      }
      // Never cast a payload to a type: each kind is parsed, and a token that
      // is neither is refused.
      const user = userAccessTokenClaimsSchema.safeParse(payload);
      if (user.success) return { kind: "user", claims: user.data };
      const service = serviceAccessTokenClaimsSchema.safeParse(payload);
      if (service.success && service.data.client_id === service.data.sub) {
        return {
          kind: "service",
          claims: service.data,
          scopes: service.data.scope.split(" ").filter(Boolean),
        };
      }
      throw new InvalidTokenError("TOKEN_INVALID", "the access token has unexpected claims");
    },
  };
}
