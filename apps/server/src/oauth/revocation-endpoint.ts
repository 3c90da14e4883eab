import type { FastifyInstance } from "fastify";
import { requestInfoOf, type ServerDeps } from "../context.js";
import { formParameters, required } from "./form-parameters.js";
import { noStore, OAuthError, sendOAuthFailure } from "./oauth-response.js";

/**
 * `POST /oauth/revoke` (RFC 7009). Holding a refresh token is the proof that
 * may end its session, so no client authentication is asked. An unknown or
 * already-revoked token still answers 200 (§2.2): the caller's goal is met,
 * and the answer reveals nothing about which tokens exist.
 */
export function registerRevocationEndpoint(app: FastifyInstance, deps: ServerDeps): void {
  app.post("/oauth/revoke", async (request, reply) => {
    try {
      const parameters = formParameters(request.headers["content-type"], request.body);
      const token = required(parameters, "token");
      const hint = parameters.get("token_type_hint");
      if (hint !== undefined && hint !== "refresh_token" && hint !== "access_token") {
        throw new OAuthError(
          "unsupported_token_type",
          `token_type_hint "${hint.slice(0, 40)}" is not supported`,
        );
      }
      await deps.useCases.revokeToken(token, requestInfoOf(request));
      return noStore(reply).status(200).send({});
    } catch (error) {
      return sendOAuthFailure(reply, error);
    }
  });
}
