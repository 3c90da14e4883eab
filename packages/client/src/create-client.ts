import type { TRPCClient } from "@trpc/client";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import type { AppRouter } from "@warden/server";
import { decodeJwt } from "jose";
import { accessTokenOf, authLink } from "./auth-link.js";
import { isUnauthorizedError } from "./errors.js";
import type { TokenSet, TokenStore } from "./token-store.js";
import { createMemoryTokenStore } from "./token-store.js";

export type WardenClient = TRPCClient<AppRouter>;

export interface WardenClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:3000`; the API is at `<url>/trpc`. */
  readonly url: string;
  /** Where tokens live; a fresh in-memory store by default. */
  readonly tokenStore?: TokenStore;
  /** A fetch to use instead of the global one (tests count requests with it). */
  readonly fetch?: typeof fetch;
  /** Extra headers for every request, e.g. a `User-Agent`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The most calls Warden takes in one batch; the link splits larger ones. */
export const MAX_BATCH_CALLS = 10;

/**
 * A typed tRPC client for Warden that carries the access token and refreshes it.
 *
 * @example
 * const warden = createWardenClient({ url: "http://127.0.0.1:3000" });
 * await warden.auth.login.mutate({ username: "ada", password }); // stores the pair
 * const me = await warden.users.me.query(); // refreshed and retried once if expired
 */
export function createWardenClient(options: WardenClientOptions): WardenClient {
  const trpcUrl = `${options.url.replace(/\/+$/, "")}/trpc`;
  const store = options.tokenStore ?? createMemoryTokenStore();
  const extraHeaders = options.headers ?? {};

  const httpLink = () =>
    httpBatchLink<AppRouter>({
      url: trpcUrl,
      // The server takes at most this many calls in one batch.
      maxItems: MAX_BATCH_CALLS,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      headers: ({ opList }) => {
        // Every operation of a batch was sent after the same store read, so
        // the first token stands for all of them.
        const token = opList.map(accessTokenOf).find((value) => value !== undefined);
        return token ? { ...extraHeaders, authorization: `Bearer ${token}` } : extraHeaders;
      },
    });

  // Refreshes go through a client of their own so they never pass the auth
  // link again (no refresh of a refresh).
  const bare = createTRPCClient<AppRouter>({ links: [httpLink()] });

  let inflight: Promise<TokenSet | null> | undefined;

  async function refreshOnce(failedAccessToken: string): Promise<TokenSet | null> {
    const current = await store.get();
    if (!current) return null;
    // Someone rotated the pair since this call was sent: use theirs, unless
    // it has expired too (it may have waited on the lock that long).
    if (current.accessToken !== failedAccessToken && !hasExpired(current.accessToken))
      return current;
    if (!current.refreshToken) return null;
    let pair: { accessToken: string; refreshToken: string };
    try {
      pair = await bare.auth.refresh.mutate({ refreshToken: current.refreshToken });
    } catch (error) {
      // The session is over (revoked, expired, reused): the tokens are worthless.
      if (isUnauthorizedError(error)) {
        await store.clear();
        return null;
      }
      throw error;
    }
    const next = { accessToken: pair.accessToken, refreshToken: pair.refreshToken };
    await store.set(next);
    return next;
  }

  // Single flight: every call that fails while a refresh is running waits for
  // that one. Presenting the same refresh token twice would look like theft to
  // the server, which then revokes the whole session.
  function refresh(failedAccessToken: string): Promise<TokenSet | null> {
    inflight ??= (
      store.exclusive
        ? store.exclusive(() => refreshOnce(failedAccessToken))
        : refreshOnce(failedAccessToken)
    ).finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  return createTRPCClient<AppRouter>({
    links: [authLink<AppRouter>({ store, refresh }), httpLink()],
  });
}

/**
 * Whether a token's `exp` has passed, read without verifying it: this only
 * decides whether to refresh, never whether to trust the token (the server
 * does that).
 */
function hasExpired(accessToken: string): boolean {
  try {
    const { exp } = decodeJwt(accessToken);
    return exp !== undefined && exp <= Math.floor(Date.now() / 1000);
  } catch {
    return true;
  }
}
