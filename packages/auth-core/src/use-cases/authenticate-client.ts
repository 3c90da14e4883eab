import type { Client } from "../client/client.js";
import { AuthError } from "../errors.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/** The longest client id recorded as presented: ids Warden issues are shorter. */
const RECORDED_CLIENT_ID_LENGTH = 64;

/**
 * Authenticates a service client by its id and secret, throttled like a
 * password. A failure is recorded as `client.auth_failed` with the id as
 * presented. Throws INVALID_CLIENT, with retryAfterSeconds while throttled.
 */
export async function authenticateClient(
  deps: Pick<UseCaseDeps, "clients" | "audit" | "throttle">,
  credentials: { clientId: string; clientSecret: string },
  request: RequestFacts,
): Promise<Client> {
  const account = `client:${credentials.clientId}`;
  const ip = request.ip ?? "";
  await deps.throttle.check(account, ip).catch((error: unknown) => {
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
    const client = await deps.clients.authenticate(credentials.clientId, credentials.clientSecret);
    await deps.throttle.succeeded(account);
    return client;
  } catch (error) {
    if (error instanceof AuthError && error.code === "INVALID_CLIENT") {
      await deps.throttle.failed(account, ip);
      await recordAudit(deps.audit, request, {
        kind: "client.auth_failed",
        clientId: credentials.clientId.slice(0, RECORDED_CLIENT_ID_LENGTH),
        detail: {},
      });
    }
    throw error;
  }
}
