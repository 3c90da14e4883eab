import { type AttemptReservation, AuthError, type Throttle } from "@warden/auth-core";
import type { Redis } from "ioredis";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";
import { clientNetwork } from "./client-network.js";

export interface ThrottleOptions {
  /** Password attempts at one account, within an hour, that lock it. */
  readonly accountFailures?: number;
  /** Failed password attempts from one network, across accounts, within an hour, that lock it. */
  readonly ipFailures?: number;
  readonly lockSeconds?: number;
  /** Failed client authentications from one network, within 15 minutes, before it gets 429. */
  readonly clientAuthenticationFailures?: number;
  /** Registrations per network and window; null turns the limit off. */
  readonly registrations?: { readonly points: number; readonly durationSeconds: number } | null;
  /** Shares counts across instances; memory is used while it is unreachable. */
  readonly redis?: Redis | undefined;
}

const HOUR = 60 * 60;

/**
 * auth-core's Throttle over rate-limiter-flexible, whose consume, reward and
 * penalty are each one atomic step in memory and in Redis (a Lua script), so
 * parallel requests cannot slip between a check and a count. IPs are counted
 * per network: an IPv6 client per /64, since one host holds a whole /64.
 */
export function createThrottle(options: ThrottleOptions = {}): Throttle {
  const accountFailures = options.accountFailures ?? 10;
  const ipFailures = options.ipFailures ?? 100;
  const lockSeconds = options.lockSeconds ?? 15 * 60;
  const clientFailures = options.clientAuthenticationFailures ?? 100;

  const limiter = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
    const settings = { keyPrefix, points, duration };
    if (!options.redis) return new RateLimiterMemory(settings);
    return new RateLimiterRedis({
      ...settings,
      storeClient: options.redis,
      // Keeps throttling (per instance) while Redis is down, instead of failing open or failing logins.
      insuranceLimiter: new RateLimiterMemory(settings),
    });
  };
  const byAccount = limiter("warden:login:account", accountFailures, HOUR);
  const byIp = limiter("warden:login:ip", ipFailures, HOUR);
  const clientAuthByIp = limiter("warden:client-auth:ip", clientFailures, 15 * 60);
  const resetsByAddress = limiter("warden:reset:address", 3, 15 * 60);
  const resetsByIp = limiter("warden:reset:ip", 30, 15 * 60);
  const resends = limiter("warden:resend:account", 3, 15 * 60);
  const registrations = options.registrations
    ? limiter(
        "warden:register:ip",
        options.registrations.points,
        options.registrations.durationSeconds,
      )
    : null;

  return {
    async reserveLogin(account, ip) {
      const network = clientNetwork(ip);
      const reserved = await consume(byAccount, account);
      try {
        await consume(byIp, network);
      } catch (error) {
        await byAccount.reward(account, 1);
        throw error;
      }
      // This attempt took the account's last point: if it fails, the account locks.
      const last = reserved.consumedPoints >= accountFailures;
      return reservation({
        async succeeded() {
          await Promise.all([byAccount.delete(account), byIp.reward(network, 1)]);
        },
        async failed() {
          if (!last) return { locked: false };
          await byAccount.block(account, lockSeconds);
          return { locked: true };
        },
        async released() {
          await Promise.all([byAccount.reward(account, 1), byIp.reward(network, 1)]);
        },
      });
    },

    async checkClientAuthentication(ip) {
      const state = await clientAuthByIp.get(clientNetwork(ip));
      if (state && state.consumedPoints >= clientFailures) throw tooMany(state);
    },

    async clientAuthenticationFailed(ip) {
      await clientAuthByIp.penalty(clientNetwork(ip), 1);
    },

    async registration(ip) {
      if (registrations) await consume(registrations, clientNetwork(ip));
    },

    async passwordResetRequest(address, ip) {
      // The address as the mail would go: case and Unicode variants are one address.
      const key = address.normalize("NFKC").trim().toLowerCase();
      await consume(resetsByIp, clientNetwork(ip));
      await consume(resetsByAddress, key);
    },

    async mailResend(account) {
      await consume(resends, account);
    },

    async clearAccount(account) {
      await byAccount.delete(account);
    },
  };
}

function tooMany(state: RateLimiterRes): AuthError {
  return new AuthError("TOO_MANY_ATTEMPTS", {
    retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)),
  });
}

/** Takes one point, or throws TOO_MANY_ATTEMPTS when none is left. */
async function consume(limiter: RateLimiterAbstract, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key, 1);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw tooMany(error);
    throw error;
  }
}

/** Settles at most once: a second settlement would count the attempt twice. */
function reservation(settle: AttemptReservation): AttemptReservation {
  let settled = false;
  const once =
    <T>(action: () => Promise<T>, fallback: T) =>
    async (): Promise<T> => {
      if (settled) return fallback;
      settled = true;
      return action();
    };
  return {
    succeeded: once(settle.succeeded, undefined),
    failed: once(settle.failed, { locked: false }),
    released: once(settle.released, undefined),
  };
}
