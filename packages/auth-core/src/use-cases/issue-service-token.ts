import type { Client } from "../client/client.js";
import { AuthError } from "../errors.js";
import type { SignedAccessToken } from "../token/access-token.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * An access token for an authenticated client (the client_credentials grant):
 * the scopes asked for, or all of the client's when none are. Throws
 * INVALID_SCOPE naming what the client may not have.
 */
export async function issueServiceToken(
  deps: Pick<UseCaseDeps, "tokens">,
  client: Client,
  requestedScopes: readonly string[] | undefined,
): Promise<{ token: SignedAccessToken; scopes: readonly string[] }> {
  const scopes = requestedScopes ?? client.scopes;
  const refused = scopes.filter((scope) => !client.scopes.includes(scope));
  if (refused.length > 0) {
    throw new AuthError("INVALID_SCOPE", {
      message: `this client may not have: ${refused.join(" ").slice(0, 200)}`,
    });
  }
  const token = await deps.tokens.signServiceToken({ clientId: client.clientId, scopes });
  return { token, scopes };
}
