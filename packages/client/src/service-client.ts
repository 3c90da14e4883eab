import { createTRPCClient, httpBatchLink } from "@trpc/client";
import type { AppRouter } from "@warden/server";
import type { WardenClient } from "./create-client.js";
import { MAX_BATCH_CALLS } from "./create-client.js";

export interface ServiceClientOptions {
  /** Warden's base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The scopes to ask for; all the client's scopes when omitted. */
  readonly scopes?: readonly string[];
  /** Renew this many seconds before the token expires. Default 30. */
  readonly renewBeforeSeconds?: number;
  readonly fetch?: typeof fetch;
}

export interface ServiceClient {
  /** Warden's API, called with this service's token. */
  readonly api: WardenClient;
  /** A valid service access token, fetched or renewed when needed. */
  accessToken(): Promise<string>;
}

/** Warden refused the client's credentials or scopes at /oauth/token. */
export class ServiceAuthenticationError extends Error {
  override readonly name = "ServiceAuthenticationError";
  constructor(
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A client for internal services: it gets a token with the OAuth
 * client_credentials grant, caches it, and renews it shortly before it
 * expires. Renewal is single-flight, so a burst of calls asks once.
 *
 * @example
 * const warden = createServiceClient({ url, clientId, clientSecret, scopes: ["users:read"] });
 * const author = await warden.api.users.byId.query({ id });
 */
export function createServiceClient(options: ServiceClientOptions): ServiceClient {
  const base = options.url.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const renewBefore = (options.renewBeforeSeconds ?? 30) * 1000;
  let current: { token: string; renewAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const body = new URLSearchParams({ grant_type: "client_credentials" });
    if (options.scopes) body.set("scope", options.scopes.join(" "));
    // RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
    const basic = Buffer.from(
      `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
    ).toString("base64");
    const response = await doFetch(`${base}/oauth/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${basic}`,
      },
      body,
    });
    const json = (await response.json()) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!response.ok || !json.access_token || !json.expires_in) {
      throw new ServiceAuthenticationError(
        json.error ?? "invalid_response",
        json.error_description ?? `token request failed (${response.status})`,
      );
    }
    const lifetime = json.expires_in * 1000;
    current = {
      token: json.access_token,
      renewAt: Date.now() + Math.max(lifetime - renewBefore, lifetime / 2),
    };
    return json.access_token;
  }

  async function accessToken(): Promise<string> {
    if (current && Date.now() < current.renewAt) return current.token;
    inflight ??= fetchToken().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  const api = createTRPCClient<AppRouter>({
    links: [
      httpBatchLink<AppRouter>({
        url: `${base}/trpc`,
        maxItems: MAX_BATCH_CALLS,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        headers: async () => ({ authorization: `Bearer ${await accessToken()}` }),
      }),
    ],
  });

  return { api, accessToken };
}
