import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import pg from "pg";
import { createDatabase, type DialectName, type WardenDatabase } from "../db/database.js";

export interface DatabaseTarget {
  readonly dialect: DialectName;
  /** Server URL to create fresh databases on; undefined when this dialect is not available. */
  readonly serverUrl: string | undefined;
  /** Why it is not available. */
  readonly skipReason?: string;
}

/**
 * SQLite always; PostgreSQL and MySQL when TEST_POSTGRES_URL / TEST_MYSQL_URL
 * are set. Under CI=true a missing one is an error, not a skip: CI must never
 * pass by testing less.
 */
export function databaseTargets(env: NodeJS.ProcessEnv = process.env): DatabaseTarget[] {
  const ci = env.CI === "true" || env.CI === "1";
  const server = (dialect: DialectName, variable: string): DatabaseTarget => {
    const url = env[variable];
    if (url) return { dialect, serverUrl: url };
    if (ci)
      throw new Error(
        `CI=true but ${variable} is not set: the ${dialect} suite is mandatory in CI`,
      );
    return { dialect, serverUrl: undefined, skipReason: `${variable} not set` };
  };
  return [
    { dialect: "sqlite", serverUrl: "file:" },
    server("postgres", "TEST_POSTGRES_URL"),
    server("mysql", "TEST_MYSQL_URL"),
  ];
}

export interface TestDatabase {
  readonly dialect: DialectName;
  /** A DATABASE_URL for this fresh database, for a server process to use. */
  readonly url: string;
  readonly database: WardenDatabase;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, empty database of its own, so test runs never see each other's rows. */
export async function createTestDatabase(target: DatabaseTarget): Promise<TestDatabase> {
  if (target.serverUrl === undefined)
    throw new Error(`${target.dialect} is not available: ${target.skipReason}`);
  const name = `warden_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;

  if (target.dialect === "sqlite") {
    const file = join(tmpdir(), `${name}.db`);
    const url = `file:${file}`;
    const database = createDatabase(url);
    return {
      dialect: "sqlite",
      url,
      database,
      async drop() {
        await database.destroy();
        for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
      },
    };
  }

  if (target.dialect === "postgres") {
    const admin = new pg.Client({ connectionString: target.serverUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = withDatabase(target.serverUrl, name);
    const database = createDatabase(url, { poolSize: 20 });
    return {
      dialect: "postgres",
      url,
      database,
      async drop() {
        await database.destroy();
        const client = new pg.Client({ connectionString: target.serverUrl });
        await client.connect();
        await client.query(`drop database if exists ${name} with (force)`);
        await client.end();
      },
    };
  }

  const admin = await createConnection({ uri: target.serverUrl });
  // The server's default character set and collation, as a production database would have
  // (MariaDB's utf8mb4_general_ci folds case, accents and trailing spaces).
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = withDatabase(target.serverUrl, name);
  const database = createDatabase(url, { poolSize: 20 });
  return {
    dialect: "mysql",
    url,
    database,
    async drop() {
      await database.destroy();
      const client = await createConnection({ uri: target.serverUrl as string });
      await client.query(`drop database if exists ${name}`);
      await client.end();
    },
  };
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
