import { credentialsSchema, type TokenPair } from "@warden/auth-core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { requestInfoOf, type ServerDeps } from "../context.js";
import { authenticateClient } from "./client-authentication.js";
import { formParameters, required } from "./form-parameters.js";
import { noStore, OAuthError, sendOAuthFailure } from "./oauth-response.js";

/** RFC 6749 §5.1 success body. */
interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token?: string;
  scope?: string;
}

function fromPair(pair: TokenPair): TokenResponse {
  return {
    access_token: pair.accessToken,
    token_type: "Bearer",
    expires_in: pair.expiresIn,
    refresh_token: pair.refreshToken,
  };
}

/** `POST /oauth/token`: the password (§4.3), refresh_token (§6) and client_credentials (§4.4) grants. */
export function registerTokenEndpoint(app: FastifyInstance, deps: ServerDeps): void {
  app.post("/oauth/token", async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const parameters = formParameters(request.headers["content-type"], request.body);
      const grantType = required(parameters, "grant_type");
      const body = await grant(grantType, parameters, request, deps);
      return noStore(reply).send(body);
    } catch (error) {
      return sendOAuthFailure(reply, error);
    }
  });
}

async function grant(
  grantType: string,
  parameters: Map<string, string>,
  request: FastifyRequest,
  deps: ServerDeps,
): Promise<TokenResponse> {
  switch (grantType) {
    case "password": {
      // User tokens carry a role, not scopes: any scope asked for is one we cannot grant.
      if (parameters.has("scope"))
        throw new OAuthError("invalid_scope", "user tokens take no scope");
      const credentials = credentialsSchema.safeParse({
        username: required(parameters, "username"),
        password: required(parameters, "password"),
      });
      if (!credentials.success)
        throw new OAuthError("invalid_request", "username or password is malformed");
      const { tokens } = await deps.useCases.logInWithPassword(
        credentials.data,
        requestInfoOf(request),
      );
      return fromPair(tokens);
    }
    case "refresh_token": {
      const { tokens } = await deps.useCases.refreshTokens(
        required(parameters, "refresh_token"),
        requestInfoOf(request),
      );
      return fromPair(tokens);
    }
    case "client_credentials": {
      const client = await authenticateClient(deps, request, parameters);
      const requested = parameters.get("scope")?.split(" ").filter(Boolean);
      const { token, scopes } = await deps.useCases.issueServiceToken(client, requested);
      // §4.4.3: no refresh token; the client simply asks again.
      return {
        access_token: token.token,
        token_type: "Bearer",
        expires_in: token.expiresIn,
        scope: scopes.join(" "),
      };
    }
    default:
      throw new OAuthError(
        "unsupported_grant_type",
        `grant_type "${grantType.slice(0, 40)}" is not supported`,
      );
  }
}
