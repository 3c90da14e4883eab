import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import { AuthError } from "../errors.js";
import * as tokens from "./one-time-token.repository.js";

/** What a token is for (a mailed link's, or a login's second step): it works for that and nothing else. */
export type OneTimeTokenPurpose = "verify_email" | "change_email" | "reset_password" | "mfa_login";

/** The account (and, for email links, the address) a used token was issued for. */
export interface RedeemedToken {
  readonly purpose: OneTimeTokenPurpose;
  readonly userId: string;
  /** The address the link was mailed to: the one being verified, or the new one of a change. */
  readonly email: string | null;
}

export interface OneTimeTokenService {
  /** A new token (256 random bits, base64url) for the account and purpose; earlier ones of that purpose die. */
  issue(
    userId: string,
    purpose: OneTimeTokenPurpose,
    ttlSeconds: number,
    email?: string,
  ): Promise<string>;
  /**
   * What the token was issued for, if it is live and of one of `purposes`,
   * without using it up (a refused new password must leave the link usable).
   */
  peek(token: string, purposes: readonly OneTimeTokenPurpose[]): Promise<RedeemedToken>;
  /** Uses the token up: of two racing uses, exactly one gets it. Throws as peek does. */
  redeem(token: string, purposes: readonly OneTimeTokenPurpose[]): Promise<RedeemedToken>;
  /** Kills every token of the account with these purposes. */
  revoke(userId: string, purposes: readonly OneTimeTokenPurpose[]): Promise<void>;
}

/** SHA-256, hex: 256 random bits need no salt or slow hash, and a lookup stays one index probe. */
function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * 256 random bits, base64url, beginning with a letter or digit: a token
 * that began with "-" would read as an option on a command line
 * (`warden verify-email -V…` printed the version). Redrawing those costs
 * less than a twentieth of a bit.
 */
function newLinkToken(): string {
  for (;;) {
    const token = randomBytes(32).toString("base64url");
    if (/^[A-Za-z0-9]/.test(token)) return token;
  }
}

const INVALID = () =>
  new AuthError("INVALID_ONE_TIME_TOKEN", {
    message: "this link is not valid: it was used, replaced by a newer one, or has expired",
  });

export function createOneTimeTokenService(options: {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** Row locks (PostgreSQL, MySQL); SQLite runs one write transaction at a time and needs none. */
  readonly lockRows: boolean;
}): OneTimeTokenService {
  const { db, clock, lockRows } = options;

  async function live(
    token: string,
    purposes: readonly OneTimeTokenPurpose[],
  ): Promise<tokens.OneTimeTokenRecord> {
    // Anything that is not 43 base64url characters was never issued: no query for it.
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) throw INVALID();
    const tokenHash = hashToken(token);
    const record = await tokens.findToken(db, tokenHash);
    // The row was found by its hash; the byte-exact, constant-time comparison
    // guards against a collation that matches text loosely.
    if (
      !record ||
      !timingSafeEqual(Buffer.from(record.tokenHash, "utf8"), Buffer.from(tokenHash, "utf8")) ||
      !purposes.includes(record.purpose as OneTimeTokenPurpose) ||
      record.expiresAt <= clock.nowIso()
    ) {
      throw INVALID();
    }
    return record;
  }

  const redeemed = (record: tokens.OneTimeTokenRecord): RedeemedToken => ({
    purpose: record.purpose as OneTimeTokenPurpose,
    userId: record.userId,
    email: record.email,
  });

  return {
    async issue(userId, purpose, ttlSeconds, email) {
      const token = newLinkToken();
      const now = clock.now();
      await tokens.replaceToken(
        db,
        { lockRows },
        {
          tokenHash: hashToken(token),
          purpose,
          userId,
          email: email ?? null,
          expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
        },
        now.toISOString(),
      );
      return token;
    },

    async peek(token, purposes) {
      return redeemed(await live(token, purposes));
    },

    async redeem(token, purposes) {
      const record = await live(token, purposes);
      if (!(await tokens.deleteToken(db, record.tokenHash))) throw INVALID();
      return redeemed(record);
    },

    async revoke(userId, purposes) {
      await tokens.deleteTokensOf(db, userId, purposes);
    },
  };
}
