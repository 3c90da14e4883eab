import { type Client, unstorableTextReason } from "@warden/auth-core";
import type { FastifyRequest } from "fastify";
import { requestInfoOf, type ServerDeps } from "../context.js";
import { OAuthError } from "./oauth-response.js";

/**
 * Authenticates a service client by HTTP Basic or by client_id/client_secret
 * in the form body (RFC 6749 §2.3.1; using both at once is an error). The
 * use case throttles and records failures.
 */
export async function authenticateClient(
  deps: Pick<ServerDeps, "useCases">,
  request: FastifyRequest,
  parameters: Map<string, string>,
): Promise<Client> {
  const credentials = clientCredentials(request.headers.authorization, parameters);
  return deps.useCases.authenticateClient(credentials, requestInfoOf(request));
}

function clientCredentials(
  authorization: string | undefined,
  parameters: Map<string, string>,
): { clientId: string; clientSecret: string } {
  const inBody = parameters.has("client_secret");
  if (authorization?.startsWith("Basic ")) {
    if (inBody)
      throw new OAuthError("invalid_request", "use one client authentication method, not two");
    const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw new OAuthError("invalid_client", "malformed Basic credentials");
    let credentials: { clientId: string; clientSecret: string };
    try {
      // §2.3.1: the id and the secret are form-urlencoded before Basic encoding.
      credentials = {
        clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " ")),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " ")),
      };
    } catch {
      throw new OAuthError("invalid_client", "malformed Basic credentials");
    }
    // The same rule as for a client_id in the form body: no text a database cannot compare.
    const unstorable = unstorableTextReason(credentials.clientId);
    if (unstorable) throw new OAuthError("invalid_request", `"client_id" ${unstorable}`);
    return credentials;
  }
  const clientId = parameters.get("client_id");
  const clientSecret = parameters.get("client_secret");
  if (clientId === undefined || clientSecret === undefined) {
    throw new OAuthError("invalid_client", "client authentication is required");
  }
  return { clientId, clientSecret };
}
