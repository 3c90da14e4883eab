import { AuthError, type Client } from "@warden/auth-core";
import type { FastifyRequest } from "fastify";
import type { ServerDeps } from "../context.js";
import { OAuthError } from "./oauth-response.js";

/**
 * Authenticates a service client by HTTP Basic or by client_id/client_secret
 * in the form body (RFC 6749 §2.3.1; using both at once is an error). Wrong
 * secrets are throttled per client id like passwords per account.
 */
export async function authenticateClient(
  deps: Pick<ServerDeps, "warden" | "throttle">,
  request: FastifyRequest,
  parameters: Map<string, string>,
): Promise<Client> {
  const credentials = clientCredentials(request.headers.authorization, parameters);
  const account = `client:${credentials.clientId}`;
  await deps.throttle.check(account, request.ip).catch((error: unknown) => {
    if (error instanceof AuthError) {
      throw new OAuthError("invalid_client", error.message, {
        status: 429,
        retryAfterSeconds: error.retryAfterSeconds,
      });
    }
    throw error;
  });
  try {
    const client = await deps.warden.clients.authenticate(
      credentials.clientId,
      credentials.clientSecret,
    );
    await deps.throttle.succeeded(account);
    return client;
  } catch (error) {
    if (error instanceof AuthError && error.code === "INVALID_CLIENT") {
      await deps.throttle.failed(account, request.ip);
      throw new OAuthError("invalid_client", "client authentication failed");
    }
    throw error;
  }
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
    try {
      // §2.3.1: the id and the secret are form-urlencoded before Basic encoding.
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " ")),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " ")),
      };
    } catch {
      throw new OAuthError("invalid_client", "malformed Basic credentials");
    }
  }
  const clientId = parameters.get("client_id");
  const clientSecret = parameters.get("client_secret");
  if (clientId === undefined || clientSecret === undefined) {
    throw new OAuthError("invalid_client", "client authentication is required");
  }
  return { clientId, clientSecret };
}
