/** How long a client is asked to wait before trying again, in seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * The database could not be reached: the connection was refused, timed out or
 * was lost, or the server is shutting down or full. Not a fault of the
 * request, and not a bug: the same request may succeed once the database is
 * back, so transports answer 503 with Retry-After instead of 500.
 *
 * The driver's error is kept as `cause`, for the log only.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = "DatabaseUnavailableError";
  readonly code = "DATABASE_UNAVAILABLE";
  readonly retryAfterSeconds: number;

  constructor(cause: unknown, retryAfterSeconds = DATABASE_RETRY_AFTER_SECONDS) {
    super("the database is unavailable", { cause });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Whether `error` is a DatabaseUnavailableError. Recognized by name and code
 * rather than instanceof, so that a second copy of this module (another
 * build of auth-core in the same process) is recognized too.
 */
export function isDatabaseUnavailable(error: unknown): error is DatabaseUnavailableError {
  return (
    error instanceof Error &&
    error.name === "DatabaseUnavailableError" &&
    (error as { code?: unknown }).code === "DATABASE_UNAVAILABLE"
  );
}

// Socket-level failures (Node's system error codes).
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EADDRNOTAVAIL",
]);

// mysql2's codes for a lost or unusable connection, and the server's for "not now".
const MYSQL_CODES = new Set([
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR",
  "PROTOCOL_ENQUEUE_AFTER_QUIT",
  "ER_CON_COUNT_ERROR", // 1040: too many connections
  "ER_SERVER_SHUTDOWN", // 1053
  "ER_CLIENT_INTERACTION_TIMEOUT", // 4031: the server closed an idle connection
  "CR_SERVER_GONE_ERROR", // 2006
  "CR_SERVER_LOST", // 2013
]);

// PostgreSQL SQLSTATEs: class 08 (connection exception) is matched by prefix.
const POSTGRES_CODES = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, in recovery)
  "53300", // too_many_connections
]);

// What pg, pg-pool and mysql2 say when they have no connection, in errors that carry no code.
const MESSAGES = [
  /^Connection terminated/, // pg: "Connection terminated unexpectedly", "... due to connection timeout"
  /^timeout exceeded when trying to connect$/, // pg-pool: connectionTimeoutMillis
  /^Client has encountered a connection error and is not queryable$/, // pg
  /^Client was closed and is not queryable$/, // pg
  /^Can't add new command when connection is in closed state$/, // mysql2
  /^Can't write in closed state$/, // mysql2
];

/**
 * Whether a driver's error means the database could not be reached, as
 * opposed to a query it refused (a constraint, a syntax error, a trigger):
 * only the first becomes a DatabaseUnavailableError.
 */
export function isConnectionFailure(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 4) return false;
  const e = error as { code?: unknown; fatal?: unknown; message?: unknown; errors?: unknown };
  const code = typeof e.code === "string" ? e.code : undefined;
  if (code !== undefined) {
    if (NETWORK_CODES.has(code) || MYSQL_CODES.has(code) || POSTGRES_CODES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  // mysql2 marks every error that ends the connection as fatal.
  if (e.fatal === true) return true;
  if (
    typeof e.message === "string" &&
    MESSAGES.some((pattern) => pattern.test(e.message as string))
  )
    return true;
  // Node reports a failed connect to every address of a host as an AggregateError.
  if (Array.isArray(e.errors) && e.errors.length > 0)
    return e.errors.every((inner) => isConnectionFailure(inner, depth + 1));
  return false;
}
