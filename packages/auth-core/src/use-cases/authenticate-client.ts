import type { Client } from "../client/client.js";
import { AuthError } from "../errors.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/** The longest client id recorded as presented: ids Warden issues are shorter. */
const RECORDED_CLIENT_ID_LENGTH = 64;

/**
 * Authenticates a service client by its id and secret. Secrets are 256
 * random bits: guessing one is hopeless, so there is no per-client lockout
 * (which would let anyone who knows a client id, the `sub` of its tokens,
 * lock it out). Failures are throttled per IP instead, and recorded as
 * `client.auth_failed` with the id as presented. Throws INVALID_CLIENT, with
 * retryAfterSeconds while the IP is throttled.
 */
export async function authenticateClient(
  deps: Pick<UseCaseDeps, "clients" | "audit" | "throttle">,
  credentials: { clientId: string; clientSecret: string },
  request: RequestFacts,
): Promise<Client> {
  const ip = request.ip ?? "";
  await deps.throttle.checkClientAuthentication(ip).catch((error: unknown) => {
    if (error instanceof AuthError && error.code === "TOO_MANY_ATTEMPTS") {
      throw new AuthError("INVALID_CLIENT", {
        message: error.message,
        ...(error.retryAfterSeconds !== undefined
          ? { retryAfterSeconds: error.retryAfterSeconds }
          : {}),
      });
    }
    throw error;
  });
  try {
    return await deps.clients.authenticate(credentials.clientId, credentials.clientSecret);
  } catch (error) {
    if (error instanceof AuthError && error.code === "INVALID_CLIENT") {
      await deps.throttle.clientAuthenticationFailed(ip);
      await recordAudit(deps.audit, request, {
        kind: "client.auth_failed",
        clientId: credentials.clientId.slice(0, RECORDED_CLIENT_ID_LENGTH),
        detail: {},
      });
    }
    throw error;
  }
}
