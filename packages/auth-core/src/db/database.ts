import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type SQLite from "better-sqlite3";
import {
  Kysely,
  MysqlDialect,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  sql,
} from "kysely";
import type { Database } from "./schema.js";

export type DialectName = "sqlite" | "postgres" | "mysql";

export interface WardenDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Closes every pooled connection; the database is unusable afterwards. */
  destroy(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL only: the schema every connection uses (tests run in a fresh one). */
  readonly postgresSchema?: string;
  /** Connections per pool (PostgreSQL and MySQL). */
  readonly poolSize?: number;
}

export function dialectOf(url: string): DialectName {
  if (url.startsWith("file:")) return "sqlite";
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return "postgres";
  if (url.startsWith("mysql://")) return "mysql";
  throw new Error(
    'DATABASE_URL must start with "file:", "postgres://", "postgresql://" or "mysql://"',
  );
}

/**
 * One Kysely instance from a DATABASE_URL.
 *
 * @example createDatabase("file:./data/warden.db")
 * @example createDatabase("postgres://postgres@127.0.0.1:5432/warden")
 */
export function createDatabase(url: string, options: DatabaseOptions = {}): WardenDatabase {
  const dialect = dialectOf(url);
  const db = new Kysely<Database>({ dialect: createDialect(dialect, url, options) });
  return {
    db,
    dialect,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    destroy: () => db.destroy(),
  };
}

// Each driver is imported only when its dialect is used: a server on SQLite
// never loads pg or mysql2 (tens of megabytes of resident memory).
function createDialect(dialect: DialectName, url: string, options: DatabaseOptions) {
  switch (dialect) {
    case "sqlite":
      return new SqliteDialect({ database: () => openSqlite(url) });
    case "postgres":
      return new PostgresDialect({
        pool: async () => {
          const { default: pg } = await import("pg");
          return new pg.Pool({
            connectionString: url,
            max: options.poolSize ?? 10,
            ...(options.postgresSchema
              ? { options: `-c search_path=${options.postgresSchema}` }
              : {}),
          });
        },
      });
    case "mysql":
      return new MysqlDialect({
        pool: async () => {
          const { createPool } = await import("mysql2");
          return createPool({ uri: url, connectionLimit: options.poolSize ?? 10, timezone: "Z" });
        },
      });
  }
}

async function openSqlite(url: string): Promise<SqliteDatabase> {
  const { default: SQLite } = await import("better-sqlite3");
  const location = url.slice("file:".length);
  const inMemory = location === ":memory:" || location === "";
  if (!inMemory) mkdirSync(dirname(resolve(location)), { recursive: true });
  const sqlite = new SQLite(inMemory ? ":memory:" : location);
  // WAL lets readers run while a write is in progress; the busy timeout makes
  // a second process (warden-server promote) wait for the lock instead of failing.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  return withStatementCache(sqlite);
}

/**
 * Kysely prepares every query anew; with better-sqlite3 preparing costs as
 * much as running a short query. Warden's queries are a fixed set of SQL
 * strings (values are bound parameters), so prepared statements are kept by
 * their SQL text. Bounded anyway, in case a caller builds SQL dynamically.
 */
function withStatementCache(sqlite: SQLite.Database, maxStatements = 500): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (!statement) {
        statement = sqlite.prepare(sqlText);
        if (statements.size >= maxStatements) {
          const oldest = statements.keys().next();
          if (!oldest.done) statements.delete(oldest.value);
        }
        statements.set(sqlText, statement);
      }
      return statement;
    },
  };
}
