import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../context.js";
import { authenticateClient } from "./client-authentication.js";
import { formParameters, required } from "./form-parameters.js";
import { noStore, sendOAuthFailure } from "./oauth-response.js";

/**
 * `POST /oauth/introspect` (RFC 7662), for authenticated service clients: the
 * way a service learns at once that a session has ended, which local JWKS
 * verification cannot tell it. Anything not live is exactly `{ active: false }`.
 */
export function registerIntrospectionEndpoint(app: FastifyInstance, deps: ServerDeps): void {
  app.post("/oauth/introspect", async (request, reply) => {
    try {
      const parameters = formParameters(request.headers["content-type"], request.body);
      await authenticateClient(deps, request, parameters);
      const token = required(parameters, "token");
      const subject = await deps.useCases.introspectToken(token);
      if (!subject) return noStore(reply).send({ active: false });
      const { claims } = subject;
      return noStore(reply).send({
        active: true,
        token_type: "Bearer",
        sub: claims.sub,
        client_id: claims.client_id,
        iss: claims.iss,
        aud: claims.aud,
        iat: claims.iat,
        exp: claims.exp,
        jti: claims.jti,
        ...(subject.kind === "user"
          ? { sid: subject.sessionId, role: subject.role }
          : { scope: subject.scopes.join(" ") }),
      });
    } catch (error) {
      return sendOAuthFailure(reply, error);
    }
  });
}
