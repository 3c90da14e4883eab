import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";
import * as initial from "./migrations/2026-11-24-001-initial.js";
import * as sessionsRevokedAtIndex from "./migrations/2026-11-29-001-sessions-revoked-at-index.js";
import * as usersUpdatedAtIndex from "./migrations/2026-11-29-002-users-updated-at-index.js";
import * as accountRecovery from "./migrations/2026-11-29-003-account-recovery.js";
import * as twoFactor from "./migrations/2026-11-29-004-two-factor.js";
import type { Database } from "./schema.js";

// Listed here rather than read from a folder at run time, so the migrations
// ship inside dist/ and a bundler or test runner finds them the same way.
const migrations: Record<string, Migration> = {
  "2026-11-24-001-initial": initial,
  "2026-11-29-001-sessions-revoked-at-index": sessionsRevokedAtIndex,
  "2026-11-29-002-users-updated-at-index": usersUpdatedAtIndex,
  "2026-11-29-003-account-recovery": accountRecovery,
  "2026-11-29-004-two-factor": twoFactor,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export interface MigrationOutcome {
  /** Names of the migrations this call applied, in order. */
  readonly applied: readonly string[];
}

/** Applies every pending migration; safe to run again (it applies nothing). */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationOutcome> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return {
    applied: (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName),
  };
}
