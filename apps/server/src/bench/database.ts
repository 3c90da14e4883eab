/** A fresh database per Warden process: a temp SQLite file, or a new PostgreSQL database. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export type DatabaseKind = "sqlite" | "postgres";

export interface BenchDatabase {
  readonly kind: DatabaseKind;
  /** DATABASE_URL for the server. */
  readonly url: string;
  drop(): Promise<void>;
}

export const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";

export async function createBenchDatabase(
  kind: DatabaseKind,
  postgresUrl = process.env.TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
): Promise<BenchDatabase> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "warden-bench-db-"));
    return {
      kind,
      url: `file:${join(dir, "warden.db")}`,
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  const name = `warden_bench_${randomBytes(6).toString("hex")}`;
  await adminQuery(postgresUrl, `create database ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    async drop() {
      await adminQuery(postgresUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
