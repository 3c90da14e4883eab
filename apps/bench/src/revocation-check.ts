import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase, createWarden, migrateToLatest, parseConfig } from "@warden/auth-core";
import { pino } from "pino";
import { createSessionRevocations } from "../security/session-revocations.js";

export interface RevocationCheckCost {
  /** The hot path: one lookup in the in-memory set of ended sessions. */
  readonly inMemoryNs: number;
  /** The fallback while Redis is configured but unreachable: one session read through Kysely (SQLite). */
  readonly databaseNs: number;
  readonly sessions: number;
}

/**
 * What the per-request revocation check costs, on the real modules: the
 * in-memory set the server uses, against the database read it replaces.
 */
export async function measureRevocationCheck(): Promise<RevocationCheckCost> {
  const folder = mkdtempSync(join(tmpdir(), "warden-bench-revocation-"));
  const database = createDatabase(`file:${join(folder, "warden.db")}`);
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
    const revocations = await createSessionRevocations({
      sessions: warden.sessions,
      retentionSeconds: 900,
      logger: pino({ level: "silent" }),
    });

    const memoryRounds = 200;
    let started = process.hrtime.bigint();
    for (let round = 0; round < memoryRounds; round += 1)
      for (const id of ids) await revocations.isRevoked(id);
    const inMemoryNs = Number(process.hrtime.bigint() - started) / (memoryRounds * ids.length);

    started = process.hrtime.bigint();
    for (const id of ids) await warden.sessions.isLive(id);
    const databaseNs = Number(process.hrtime.bigint() - started) / ids.length;

    await revocations.close();
    return { inMemoryNs: Math.round(inMemoryNs), databaseNs: Math.round(databaseNs), sessions };
  } finally {
    await database.destroy();
    rmSync(folder, { recursive: true, force: true });
  }
}

export function describeRevocationCheck(cost: RevocationCheckCost): string {
  return (
    `Revocation check per request (${cost.sessions} sessions, most revoked): in-memory set ${cost.inMemoryNs} ns; ` +
    `the database read it replaces (SQLite through Kysely, the fallback while Redis is unreachable) ` +
    `${(cost.databaseNs / 1000).toFixed(1)} µs, ${Math.round(cost.databaseNs / Math.max(cost.inMemoryNs, 1))}× more.\n`
  );
}
