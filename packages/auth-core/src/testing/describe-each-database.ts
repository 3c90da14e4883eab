import { afterAll, beforeAll, describe } from "vitest";
import { migrateToLatest } from "../db/migrate.js";
import { createTestDatabase, databaseTargets, type TestDatabase } from "./test-database.js";

/**
 * Declares the same suite once per dialect, each on a fresh migrated
 * database. The dialect is in the suite name ("[postgres]") so CI can count
 * what ran on each; an unavailable dialect shows up as skipped, with the reason.
 */
export function describeEachDatabase(
  title: string,
  body: (current: () => TestDatabase) => void,
): void {
  for (const target of databaseTargets()) {
    if (target.serverUrl === undefined) {
      describe.skip(`${title} [${target.dialect}] (skipped: ${target.skipReason})`, () =>
        body(() => unreachable()));
      continue;
    }
    describe(`${title} [${target.dialect}]`, () => {
      let testDatabase: TestDatabase | undefined;
      beforeAll(async () => {
        testDatabase = await createTestDatabase(target);
        await migrateToLatest(testDatabase.database.db);
      }, 60_000);
      afterAll(async () => {
        await testDatabase?.drop();
      }, 60_000);
      body(() => testDatabase ?? unreachable());
    });
  }
}

function unreachable(): never {
  throw new Error("the test database is not ready");
}
