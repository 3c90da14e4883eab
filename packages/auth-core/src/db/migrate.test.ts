import { describe, expect, it } from "vitest";
import { createTestDatabase, databaseTargets } from "../testing/test-database.js";
import { migrateToLatest } from "./migrate.js";

describe("migrations", () => {
  for (const target of databaseTargets()) {
    it.skipIf(target.serverUrl === undefined)(
      `run twice from empty without error [${target.dialect}]`,
      async () => {
        const testDatabase = await createTestDatabase(target);
        try {
          const first = await migrateToLatest(testDatabase.database.db);
          expect(first.applied.length).toBeGreaterThan(0);
          const second = await migrateToLatest(testDatabase.database.db);
          expect(second.applied).toEqual([]);
          const tables = (await testDatabase.database.db.introspection.getTables()).map(
            (t) => t.name,
          );
          expect(tables).toEqual(
            expect.arrayContaining([
              "users",
              "sessions",
              "refresh_tokens",
              "signing_keys",
              "clients",
              "posts",
              "audit_events",
            ]),
          );
        } finally {
          await testDatabase.drop();
        }
      },
      60_000,
    );
  }
});
