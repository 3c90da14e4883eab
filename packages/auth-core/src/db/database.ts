import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type SQLite from "better-sqlite3";
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  MysqlDialect,
  PostgresDialect,
  type QueryResult,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
  sql,
  type TransactionSettings,
} from "kysely";
import { DatabaseUnavailableError, isConnectionFailure } from "./database-unavailable.js";
import type { Database } from "./schema.js";

export type DialectName = "sqlite" | "postgres" | "mysql";

export interface WardenDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Closes every pooled connection; the database is unusable afterwards. */
  destroy(): Promise<void>;
  /**
   * Follows whether the database answers (PostgreSQL and MySQL; SQLite never
   * changes): `listener` hears once when it stops answering, with the
   * driver's error, and once when a query succeeds again. Returns the unsubscribe.
   */
  onAvailabilityChange(listener: (change: AvailabilityChange) => void): () => void;
}

export type AvailabilityChange =
  | { readonly available: false; readonly error: unknown }
  | { readonly available: true };

export interface DatabaseOptions {
  /** PostgreSQL only: the schema every connection uses (tests run in a fresh one). */
  readonly postgresSchema?: string;
  /** Connections per pool (PostgreSQL and MySQL). */
  readonly poolSize?: number;
  /**
   * PostgreSQL and MySQL: how long to wait for a connection, a new one or a
   * free one from the pool, before failing with DatabaseUnavailableError. 5 s by default.
   */
  readonly connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

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
  const availability = createAvailability();
  const db = new Kysely<Database>({
    dialect: createDialect(dialect, url, options, availability),
  });
  return {
    db,
    dialect,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    destroy: () => db.destroy(),
    onAvailabilityChange: availability.subscribe,
  };
}

// Each driver is imported only when its dialect is used: a server on SQLite
// never loads pg or mysql2 (tens of megabytes of resident memory).
//
// A database outage must not end the process: a connection that dies emits
// `error` (on pg's pool for an idle client, on the client itself while it is
// checked out, on mysql2's connection), and an `error` event nobody listens to
// is thrown. Each one is listened to here, and reported once per outage.
function createDialect(
  dialect: DialectName,
  url: string,
  options: DatabaseOptions,
  availability: Availability,
): Dialect {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  switch (dialect) {
    case "sqlite":
      return new SqliteDialect({ database: () => openSqlite(url) });
    case "postgres":
      return guarded(
        new PostgresDialect({
          pool: async () => {
            const { default: pg } = await import("pg");
            const pool = new pg.Pool({
              connectionString: url,
              max: options.poolSize ?? 10,
              // Bounds both a new connection and the wait for a free one.
              connectionTimeoutMillis: connectTimeoutMs,
              keepAlive: true,
              ...(options.postgresSchema
                ? { options: `-c search_path=${options.postgresSchema}` }
                : {}),
            });
            pool.on("error", availability.lost);
            pool.on("connect", (client) => client.on("error", availability.lost));
            return pool;
          },
        }),
        availability,
        connectTimeoutMs,
      );
    case "mysql":
      return guarded(
        new MysqlDialect({
          pool: async () => {
            const { createPool } = await import("mysql2");
            const pool = createPool({
              uri: url,
              connectionLimit: options.poolSize ?? 10,
              timezone: "Z",
              connectTimeout: connectTimeoutMs,
              enableKeepAlive: true,
            });
            // mysql2's pooled connection listens to `error` only once; a second one would be thrown.
            pool.on("connection", (connection) => connection.on("error", availability.lost));
            return pool;
          },
        }),
        availability,
        connectTimeoutMs,
      );
  }
}

interface Availability {
  lost(error: unknown): void;
  answered(): void;
  subscribe(listener: (change: AvailabilityChange) => void): () => void;
}

/** Up or down, told to listeners on each change only: one report per outage, however many connections fail. */
function createAvailability(): Availability {
  let available = true;
  const listeners = new Set<(change: AvailabilityChange) => void>();
  const tell = (change: AvailabilityChange) => {
    for (const listener of listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure must not become the driver's.
      }
    }
  };
  return {
    lost(error) {
      if (!available) return;
      available = false;
      tell({ available: false, error });
    },
    answered() {
      if (available) return;
      available = true;
      tell({ available: true });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * The dialect with its driver guarded: a failure to reach the database, from
 * any driver call, becomes a DatabaseUnavailableError (the driver's error as
 * its cause) and marks the database down; a query that succeeds marks it up.
 * Other errors (constraints, triggers, syntax) pass through untouched.
 */
function guarded(inner: Dialect, availability: Availability, acquireTimeoutMs: number): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createDriver: () => new GuardedDriver(inner.createDriver(), availability, acquireTimeoutMs),
  };
}

class GuardedDriver implements Driver {
  /** Each connection handed out, to the driver's own connection behind it. */
  readonly #inner = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    private readonly driver: Driver,
    private readonly availability: Availability,
    private readonly acquireTimeoutMs: number,
  ) {}

  init(): Promise<void> {
    return this.#guard(() => this.driver.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // The driver's own timeout (pg's connectionTimeoutMillis, mysql2's connectTimeout) comes
    // first, with its own error; this one also bounds mysql2's wait for a free connection.
    const connection = await this.#guard(() => this.#acquireWithin(this.acquireTimeoutMs + 1_000));
    const outer: DatabaseConnection = {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        const result = await this.#guard(() => connection.executeQuery<R>(query));
        this.availability.answered();
        return result;
      },
      streamQuery: <R>(query: CompiledQuery, chunkSize?: number) =>
        connection.streamQuery<R>(query, chunkSize),
    };
    this.#inner.set(outer, connection);
    return outer;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#guard(() => this.driver.beginTransaction(this.#unwrap(connection), settings));
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#guard(() => this.driver.commitTransaction(this.#unwrap(connection)));
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#guard(() => this.driver.rollbackTransaction(this.#unwrap(connection)));
  }
  savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: Parameters<NonNullable<Driver["savepoint"]>>[2],
  ): Promise<void> {
    return this.#guard(() =>
      this.#savepoints().savepoint(this.#unwrap(connection), name, compileQuery),
    );
  }
  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: Parameters<NonNullable<Driver["rollbackToSavepoint"]>>[2],
  ): Promise<void> {
    return this.#guard(() =>
      this.#savepoints().rollbackToSavepoint(this.#unwrap(connection), name, compileQuery),
    );
  }
  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: Parameters<NonNullable<Driver["releaseSavepoint"]>>[2],
  ): Promise<void> {
    return this.#guard(() =>
      this.#savepoints().releaseSavepoint(this.#unwrap(connection), name, compileQuery),
    );
  }
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(this.#unwrap(connection));
  }
  destroy(): Promise<void> {
    return this.driver.destroy();
  }

  /**
   * The driver's acquireConnection, given up after `ms` (mysql2 would wait
   * for a free connection forever). A connection that arrives later is released.
   */
  #acquireWithin(ms: number): Promise<DatabaseConnection> {
    const acquiring = this.driver.acquireConnection();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        acquiring.then(
          (late) => this.driver.releaseConnection(late).catch(() => {}),
          () => {},
        );
        reject(new DatabaseUnavailableError(new Error(`no database connection within ${ms} ms`)));
      }, ms);
    });
    return Promise.race([acquiring, timeout]).finally(() => clearTimeout(timer));
  }

  async #guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) {
        this.availability.lost(error.cause);
        throw error;
      }
      if (!isConnectionFailure(error)) throw error;
      this.availability.lost(error);
      throw new DatabaseUnavailableError(error);
    }
  }

  #unwrap(connection: DatabaseConnection): DatabaseConnection {
    return this.#inner.get(connection) ?? connection;
  }

  #savepoints(): Required<Pick<Driver, "savepoint" | "rollbackToSavepoint" | "releaseSavepoint">> {
    const { savepoint, rollbackToSavepoint, releaseSavepoint } = this.driver;
    if (!savepoint || !rollbackToSavepoint || !releaseSavepoint)
      throw new Error("this dialect's driver has no savepoints");
    return {
      savepoint: savepoint.bind(this.driver),
      rollbackToSavepoint: rollbackToSavepoint.bind(this.driver),
      releaseSavepoint: releaseSavepoint.bind(this.driver),
    };
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
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (!statement) {
        const prepared = sqlite.prepare(sqlText);
        statement = prepared.reader ? withRowsBuiltInJs(prepared) : prepared;
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

/**
 * A statement that returns rows, fetching each row as an array (better-sqlite3's
 * raw mode) and making the object Kysely expects here: better-sqlite3 builds
 * row objects through V8's C++ API, interning every column name again for
 * every row. Under callgrind that is a fifth of the instructions of a 21-row
 * read (posts.list: 499k against 405k per query). Same rows, same keys, a
 * later column of the same name winning as in better-sqlite3.
 */
function withRowsBuiltInJs(statement: SQLite.Statement): SqliteStatement {
  const names = statement.columns().map((column) => column.name);
  statement.raw(true);
  const toObject = (values: unknown[]): Record<string, unknown> => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i];
    return row;
  };
  return {
    reader: true,
    all(parameters) {
      const rows = statement.all(parameters) as unknown[][];
      const objects = new Array<Record<string, unknown>>(rows.length);
      for (let i = 0; i < rows.length; i++) objects[i] = toObject(rows[i] as unknown[]);
      return objects;
    },
    run: (parameters) => statement.run(parameters),
    *iterate(parameters) {
      for (const values of statement.iterate(parameters)) yield toObject(values as unknown[]);
    },
  };
}
