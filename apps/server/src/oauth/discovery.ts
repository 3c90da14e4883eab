import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../context.js";
import { MFA_OTP_GRANT } from "./token-endpoint.js";

/** RFC 7517 JWKS and RFC 8414 metadata. */
export function registerDiscovery(app: FastifyInstance, deps: ServerDeps): void {
  const { issuer } = deps.warden.config;

  app.get("/.well-known/jwks.json", async (_request, reply) => {
    // Short-lived caching: verifiers refetch on an unknown kid anyway, and a
    // rotation must reach them within the old key's grace period.
    return reply.header("cache-control", "public, max-age=60").send(deps.warden.keyRing.jwks());
  });

  app.get("/.well-known/oauth-authorization-server", async (_request, reply) => {
    return reply.header("cache-control", "public, max-age=300").send({
      issuer,
      token_endpoint: `${issuer}/oauth/token`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      grant_types_supported: ["password", "refresh_token", "client_credentials", MFA_OTP_GRANT],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      revocation_endpoint_auth_methods_supported: ["none"],
      introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      scopes_supported: ["users:read"],
    });
  });
}
