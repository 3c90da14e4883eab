/**
 * Remembers tokens whose signature and claims were already verified, keyed by
 * the whole token string (signature included, so a tampered token never
 * matches), until the token's own `exp`. Verifying an EdDSA JWT costs about
 * 100 µs; a lookup here costs well under one. Bounded: the oldest entry goes
 * when it is full. Revocation is not this cache's business: callers check
 * the session on every request, hit or miss.
 */
export class VerifiedTokenCache<T> {
  readonly #entries = new Map<string, { value: T; exp: number }>();
  readonly #maxEntries: number;

  constructor(options: { maxEntries: number }) {
    this.#maxEntries = options.maxEntries;
  }

  get(token: string, nowSeconds: number): T | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    // Same rule as jose: a token is expired once now >= exp.
    if (nowSeconds >= entry.exp) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  set(token: string, value: T, exp: number): void {
    if (this.#maxEntries <= 0) return;
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { value, exp });
  }

  get size(): number {
    return this.#entries.size;
  }
}
