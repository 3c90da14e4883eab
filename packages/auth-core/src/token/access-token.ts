import { randomUUID } from "node:crypto";
import { type JWTHeaderParameters, errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { Clock } from "../clock.js";
import { AuthError } from "../errors.js";
import {
  type ServiceAccessTokenClaims,
  serviceAccessTokenClaimsSchema as serviceClaimsSchema,
  USER_TOKEN_CLIENT_ID,
  type UserAccessTokenClaims,
  userAccessTokenClaimsSchema as userClaimsSchema,
} from "../schemas/access-token-claims.js";
import type { Role } from "../schemas/roles.js";
import type { KeyRing } from "./key-ring.js";
import { VerifiedTokenCache } from "./verified-token-cache.js";

export { USER_TOKEN_CLIENT_ID };

export type UserTokenClaims = UserAccessTokenClaims;
export type ServiceTokenClaims = ServiceAccessTokenClaims;

/** Who a verified access token speaks for. */
export type AccessTokenSubject =
  | {
      readonly kind: "user";
      readonly userId: string;
      readonly sessionId: string;
      readonly role: Role;
      readonly claims: UserTokenClaims;
    }
  | {
      readonly kind: "service";
      readonly clientId: string;
      readonly scopes: readonly string[];
      readonly claims: ServiceTokenClaims;
    };

export interface AccessTokenService {
  signUserToken(input: {
    userId: string;
    sessionId: string;
    role: Role;
  }): Promise<SignedAccessToken>;
  signServiceToken(input: {
    clientId: string;
    scopes: readonly string[];
  }): Promise<SignedAccessToken>;
  /** Verifies signature, algorithm, typ, iss, aud and exp; throws AuthError("INVALID_TOKEN"). */
  verify(token: string): Promise<AccessTokenSubject>;
}

export interface SignedAccessToken {
  readonly token: string;
  readonly expiresIn: number;
  readonly claims: { readonly jti: string; readonly exp: number };
}

/** How far apart two honest clocks may be. */
const CLOCK_SKEW_SECONDS = 60;

// Key material a token may try to bring along; trusting any of it would let
// the token choose the key that verifies it.
const FORBIDDEN_HEADER_KEYS = ["jwk", "jku", "x5u", "x5c"] as const;

export function createAccessTokenService(options: {
  keyRing: KeyRing;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  clock: Clock;
  /** How many verified tokens to remember; 0 turns the cache off. */
  verifiedCacheSize?: number;
}): AccessTokenService {
  const { keyRing, issuer, audience, ttlSeconds, clock } = options;
  const verified = new VerifiedTokenCache<AccessTokenSubject>({
    maxEntries: options.verifiedCacheSize ?? 10_000,
  });

  async function sign(subject: string, extra: Record<string, unknown>): Promise<SignedAccessToken> {
    const key = keyRing.current();
    const iat = clock.nowSeconds();
    const exp = iat + ttlSeconds;
    const jti = randomUUID();
    const token = await new SignJWT(extra)
      .setProtectedHeader({ alg: key.algorithm, typ: "at+jwt", kid: key.kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(subject)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(key.privateKey);
    return { token, expiresIn: ttlSeconds, claims: { jti, exp } };
  }

  return {
    signUserToken: ({ userId, sessionId, role }) =>
      sign(userId, { sid: sessionId, role, client_id: USER_TOKEN_CLIENT_ID }),

    signServiceToken: ({ clientId, scopes }) =>
      sign(clientId, { scope: scopes.join(" "), client_id: clientId }),

    async verify(token) {
      const cached = verified.get(token, clock.nowSeconds());
      if (cached) return cached;
      const subject = await verifyUncached(token);
      verified.set(token, subject, subject.claims.exp);
      return subject;
    },
  };

  /**
   * A token this server issued was issued now, for `ttlSeconds`: one issued
   * more than a minute in the future, or living longer than the TTL (plus a
   * minute of clock skew), was not, whatever key signed it.
   */
  function rejectImplausibleLifetime(payload: unknown): void {
    const { iat, exp } = payload as { iat?: unknown; exp?: unknown };
    if (typeof iat !== "number" || typeof exp !== "number") return; // the schemas refuse these
    if (
      iat > clock.nowSeconds() + CLOCK_SKEW_SECONDS ||
      exp - iat > ttlSeconds + CLOCK_SKEW_SECONDS
    ) {
      throw new AuthError("INVALID_TOKEN", { message: "the access token is invalid" });
    }
  }

  async function verifyUncached(token: string): Promise<AccessTokenSubject> {
    let payload: unknown;
    try {
      const result = await jwtVerify(
        token,
        (header: JWTHeaderParameters) => {
          if (FORBIDDEN_HEADER_KEYS.some((name) => name in header))
            throw new Error("embedded key material");
          const key = header.kid === undefined ? undefined : keyRing.find(header.kid);
          if (!key) throw new Error("unknown kid");
          return key.verifyKey;
        },
        {
          algorithms: [keyRing.current().algorithm],
          issuer,
          audience,
          typ: "at+jwt",
          requiredClaims: ["sub", "iat", "exp", "jti"],
          currentDate: clock.now(),
        },
      );
      payload = result.payload;
    } catch (error) {
      throw new AuthError("INVALID_TOKEN", {
        message:
          error instanceof joseErrors.JWTExpired
            ? "the access token has expired"
            : "the access token is invalid",
        cause: error,
      });
    }
    rejectImplausibleLifetime(payload);
    const user = userClaimsSchema.safeParse(payload);
    if (user.success) {
      const claims = user.data;
      return {
        kind: "user",
        userId: claims.sub,
        sessionId: claims.sid,
        role: claims.role,
        claims,
      };
    }
    const service = serviceClaimsSchema.safeParse(payload);
    if (service.success && service.data.client_id === service.data.sub) {
      const claims = service.data;
      return {
        kind: "service",
        clientId: claims.sub,
        scopes: claims.scope.split(" ").filter(Boolean),
        claims,
      };
    }
    throw new AuthError("INVALID_TOKEN", { message: "the access token is invalid" });
  }
}
