/** The tokens a client holds for one session. */
export interface TokenSet {
  readonly accessToken: string;
  /** Absent when the holder may not refresh (a service token, say): then nothing is retried. */
  readonly refreshToken?: string | undefined;
}

/**
 * Where a client keeps its tokens. Rotated tokens are written here the moment
 * they arrive, because the refresh token they replace is dead from then on.
 */
export interface TokenStore {
  get(): TokenSet | null | Promise<TokenSet | null>;
  set(tokens: TokenSet): void | Promise<void>;
  clear(): void | Promise<void>;
  /**
   * Runs `task` alone among every process sharing this store (a file store
   * takes a lock). The client refreshes inside it after re-reading the store,
   * so two processes never present the same refresh token: the second one
   * would trip the server's reuse detection and end the session for both.
   */
  exclusive?<T>(task: () => Promise<T>): Promise<T>;
}

/** A TokenStore whose reads and writes are synchronous. */
export interface MemoryTokenStore extends TokenStore {
  get(): TokenSet | null;
  set(tokens: TokenSet): void;
  clear(): void;
}

/** Keeps tokens in memory: the default, enough for one process. */
export function createMemoryTokenStore(initial: TokenSet | null = null): MemoryTokenStore {
  let tokens = initial;
  return {
    get: () => tokens,
    set: (next) => {
      tokens = next;
    },
    clear: () => {
      tokens = null;
    },
  };
}
