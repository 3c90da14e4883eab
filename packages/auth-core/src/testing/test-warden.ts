import { type Clock, systemClock } from "../clock.js";
import { parseConfig } from "../config.js";
import type { WardenDatabase } from "../db/database.js";
import { createWarden, type Warden } from "../warden.js";

/** A clock that only moves when told, for expiry tests without sleeping. */
export function createManualClock(
  start = new Date("2026-01-01T00:00:00.000Z"),
): Clock & { advance(seconds: number): void } {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    nowIso: () => new Date(now).toISOString(),
    nowSeconds: () => Math.floor(now / 1000),
    advance(seconds) {
      now += seconds * 1000;
    },
  };
}

/** A Warden over `database` with the lowest bcrypt cost config allows and a fixed issuer. */
export async function createTestWarden(
  database: WardenDatabase,
  options: {
    env?: Record<string, string>;
    clock?: Clock;
    onSessionsRevoked?: (ids: readonly string[]) => void;
    commonPasswords?: ReadonlySet<string>;
  } = {},
): Promise<Warden> {
  const config = parseConfig({
    BCRYPT_COST: "10",
    WARDEN_ISSUER: "http://warden.test",
    ...options.env,
  });
  return createWarden({
    config,
    database,
    clock: options.clock ?? systemClock,
    ...(options.onSessionsRevoked ? { onSessionsRevoked: options.onSessionsRevoked } : {}),
    ...(options.commonPasswords ? { commonPasswords: options.commonPasswords } : {}),
  });
}
