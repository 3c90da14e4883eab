import { createWarden, migrateToLatest, parseConfig } from "@warden/auth-core";
import { createTestDatabase, databaseTargets } from "@warden/auth-core/testing";
import { createLiveSessions } from "@warden/server/testing";
import { pino } from "pino";

export interface RevocationCheckCost {
  /** The hot path: one lookup of a session already remembered in memory, live or ended. */
  readonly inMemoryNs: number;
  /** The read it replaces, done once for a session not yet remembered: one session read through Kysely (SQLite). */
  readonly databaseNs: number;
  readonly sessions: number;
}

/**
 * What the per-request session check costs, on the real modules: the
 * server's in-memory live sessions, against the database read it replaces.
 */
export async function measureRevocationCheck(): Promise<RevocationCheckCost> {
  // An empty env: SQLite is always a target, and CI=true cannot demand the other dialects here.
  const sqlite = databaseTargets({}).find((target) => target.dialect === "sqlite");
  if (!sqlite) throw new Error("no SQLite database target");
  const testDatabase = await createTestDatabase(sqlite);
  const { database } = testDatabase;
  try {
    await migrateToLatest(database.db);
    const warden = await createWarden({ config: parseConfig({ BCRYPT_COST: "10" }), database });
    const user = await warden.users.register({
      username: "bench",
      email: "bench@example.com",
      name: "Bench",
      password: "tangerine-orbit-47",
    });
    const sessions = 2_000;
    const ids: string[] = [];
    for (let i = 0; i < sessions; i += 1)
      ids.push((await warden.sessions.create(user.id, {})).sessionId);
    await warden.sessions.revokeAll(user.id, "revoked", { exceptSessionId: ids[0] as string });
    const liveSessions = await createLiveSessions({
      sessions: warden.sessions,
      retentionSeconds: 900,
      logger: pino({ level: "silent" }),
      // No poll of the database inside the measurement.
      pollIntervalMs: 3_600_000,
    });
    const tokenExpiresAt = Math.floor(Date.now() / 1000) + 900;
    // The first sight of each session reads it once; from then on it is remembered.
    for (const id of ids) await liveSessions.isLive(id, user.id, tokenExpiresAt);

    const memoryRounds = 200;
    let started = process.hrtime.bigint();
    for (let round = 0; round < memoryRounds; round += 1)
      for (const id of ids) await liveSessions.isLive(id, user.id, tokenExpiresAt);
    const inMemoryNs = Number(process.hrtime.bigint() - started) / (memoryRounds * ids.length);

    started = process.hrtime.bigint();
    for (const id of ids) await warden.sessions.findLive(id);
    const databaseNs = Number(process.hrtime.bigint() - started) / ids.length;

    await liveSessions.close();
    return { inMemoryNs: Math.round(inMemoryNs), databaseNs: Math.round(databaseNs), sessions };
  } finally {
    await testDatabase.drop();
  }
}

export function describeRevocationCheck(cost: RevocationCheckCost): string {
  return (
    `Live-session check per request (${cost.sessions} sessions, most revoked): remembered in memory ${cost.inMemoryNs} ns; ` +
    `the database read it replaces (SQLite through Kysely, once per session not yet remembered) ` +
    `${(cost.databaseNs / 1000).toFixed(1)} µs, ${Math.round(cost.databaseNs / Math.max(cost.inMemoryNs, 1))}× more.\n`
  );
}
