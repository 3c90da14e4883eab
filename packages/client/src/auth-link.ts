import type { Operation, TRPCLink } from "@trpc/client";
import { TRPCClientError } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import type { Unsubscribable } from "@trpc/server/observable";
import { observable } from "@trpc/server/observable";
import { isUnauthorizedError } from "./errors.js";
import type { TokenSet, TokenStore } from "./token-store.js";

/** Where the auth link leaves the token an operation was sent with, for the HTTP link's headers. */
export const ACCESS_TOKEN_CONTEXT_KEY = "wardenAccessToken";

// For these, UNAUTHORIZED means wrong credentials or a dead refresh token, not
// an expired access token: refreshing and retrying would only hide the answer.
const CREDENTIAL_PATHS = new Set(["auth.register", "auth.login", "auth.verifyMfa", "auth.refresh"]);

/** Calls whose answer may be a token pair to keep (a login's second step answers with one). */
const LOGIN_PATHS = new Set(["auth.login", "auth.verifyMfa"]);

export interface AuthLinkOptions {
  readonly store: TokenStore;
  /**
   * Exchanges the store's refresh token for a new pair. Called at most once
   * at a time; returns null when the session cannot be refreshed.
   */
  readonly refresh: (failedAccessToken: string) => Promise<TokenSet | null>;
}

/** The access token an operation was sent with, as the auth link recorded it. */
export function accessTokenOf(op: Pick<Operation, "context">): string | undefined {
  const token = op.context[ACCESS_TOKEN_CONTEXT_KEY];
  return typeof token === "string" ? token : undefined;
}

/**
 * Sends each call with the stored access token; when one made with a token
 * comes back UNAUTHORIZED, refreshes once and retries it once. Keeps the
 * store in step with `auth.login` and `auth.verifyMfa` (stores the pair) and
 * `auth.logout` (clears it).
 */
export function authLink<TRouter extends AnyTRPCRouter>(
  options: AuthLinkOptions,
): TRPCLink<TRouter> {
  const { store, refresh } = options;
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let subscription: Unsubscribable | undefined;
        let stopped = false;

        const send = (accessToken: string | undefined, retried: boolean): void => {
          if (stopped) return;
          let settled: Promise<void> = Promise.resolve();
          subscription = next({
            ...op,
            context: { ...op.context, [ACCESS_TOKEN_CONTEXT_KEY]: accessToken },
          }).subscribe({
            next: (envelope) => {
              // The store is written before the caller sees the result, so a
              // call made right after `login` resolves already carries the token.
              settled = settled
                .then(() => remember(op, envelope.result))
                .then(
                  () => observer.next(envelope),
                  (error: unknown) => observer.error(toClientError(error)),
                );
            },
            error: (error) => {
              const mayRefresh =
                !retried &&
                accessToken !== undefined &&
                !CREDENTIAL_PATHS.has(op.path) &&
                isUnauthorizedError(error);
              if (!mayRefresh) {
                observer.error(error);
                return;
              }
              refresh(accessToken).then(
                (tokens) => {
                  if (tokens) send(tokens.accessToken, true);
                  else observer.error(error);
                },
                // The refresh failed for another reason (network, server): the
                // caller learns that, not the stale UNAUTHORIZED.
                (refreshError: unknown) => observer.error(toClientError(refreshError)),
              );
            },
            complete: () => {
              settled = settled.then(() => observer.complete());
            },
          });
        };

        const start = async (): Promise<void> => {
          const tokens = CREDENTIAL_PATHS.has(op.path) ? null : await store.get();
          send(tokens?.accessToken, false);
        };
        start().catch((error: unknown) => observer.error(toClientError(error)));

        return () => {
          stopped = true;
          subscription?.unsubscribe();
        };
      });

  async function remember(op: Operation, result: unknown): Promise<void> {
    if (op.type !== "mutation") return;
    if (LOGIN_PATHS.has(op.path)) {
      // A login that needs a second factor answers without tokens: nothing to keep yet.
      const pair = tokenPairOf(result);
      if (pair) await store.set(pair);
    } else if (op.path === "auth.logout") {
      await store.clear();
    }
  }
}

function tokenPairOf(result: unknown): TokenSet | null {
  if (typeof result !== "object" || result === null || !("data" in result)) return null;
  const data: unknown = result.data;
  if (
    typeof data === "object" &&
    data !== null &&
    "accessToken" in data &&
    typeof data.accessToken === "string" &&
    "refreshToken" in data &&
    typeof data.refreshToken === "string"
  ) {
    return { accessToken: data.accessToken, refreshToken: data.refreshToken };
  }
  return null;
}

// What a link hands on must be a TRPCClientError; a failing token store gives plain errors.
function toClientError<TRouter extends AnyTRPCRouter>(error: unknown): TRPCClientError<TRouter> {
  if (error instanceof TRPCClientError) return error;
  return TRPCClientError.from(error instanceof Error ? error : new Error(String(error)));
}
