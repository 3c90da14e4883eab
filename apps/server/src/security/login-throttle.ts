import { AuthError, type LoginThrottle } from "@warden/auth-core";
import type { Redis } from "ioredis";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";

export type { LoginThrottle };

export interface LoginThrottleOptions {
  /** Failures in a row that lock an account. */
  readonly accountFailures?: number;
  /** Failures from one IP, across accounts, within the window, that lock the IP. */
  readonly ipFailures?: number;
  readonly lockSeconds?: number;
  /** Shares counts across instances; memory is used while it is unreachable. */
  readonly redis?: Redis | undefined;
}

const WINDOW_SECONDS = 60 * 60;

/**
 * auth-core's LoginThrottle over rate-limiter-flexible. An account (a
 * username, an email or a client id) is locked after ten failures in a row,
 * whatever IPs they came from; an IP is locked after many failures across
 * accounts. A success clears the account's count.
 */
export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const accountFailures = options.accountFailures ?? 10;
  const ipFailures = options.ipFailures ?? 100;
  const lockSeconds = options.lockSeconds ?? 15 * 60;

  const limiter = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const settings = { keyPrefix, points, duration: WINDOW_SECONDS };
    if (!options.redis) return new RateLimiterMemory(settings);
    return new RateLimiterRedis({
      ...settings,
      storeClient: options.redis,
      // Keeps throttling (per instance) while Redis is down, instead of failing open or failing logins.
      insuranceLimiter: new RateLimiterMemory(settings),
    });
  };
  const byAccount = limiter("warden:login:account", accountFailures);
  const byIp = limiter("warden:login:ip", ipFailures);

  const retryAfter = (res: RateLimiterRes | null, points: number): number | null =>
    res && res.consumedPoints >= points ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : null;

  return {
    async check(account, ip) {
      const [accountState, ipState] = await Promise.all([
        byAccount.get(account.toLowerCase()),
        byIp.get(ip),
      ]);
      const wait = Math.max(
        retryAfter(accountState, accountFailures) ?? 0,
        retryAfter(ipState, ipFailures) ?? 0,
      );
      if (wait > 0) throw new AuthError("TOO_MANY_ATTEMPTS", { retryAfterSeconds: wait });
    },

    async failed(account, ip) {
      const key = account.toLowerCase();
      const [accountState] = await Promise.all([penalize(byAccount, key), penalize(byIp, ip)]);
      if (accountState.consumedPoints < accountFailures) return { locked: false };
      await byAccount.block(key, lockSeconds);
      return { locked: accountState.consumedPoints === accountFailures };
    },

    async succeeded(account) {
      await byAccount.delete(account.toLowerCase());
    },
  };
}

async function penalize(limiter: RateLimiterAbstract, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.penalty(key, 1);
  } catch (error) {
    if (error instanceof RateLimiterRes) return error;
    throw error;
  }
}
