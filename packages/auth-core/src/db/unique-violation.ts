/**
 * Which unique column a failed insert collided on, read from the error of
 * whichever driver raised it, or null when the error is something else.
 *
 * SQLite: code SQLITE_CONSTRAINT_UNIQUE, "UNIQUE constraint failed: users.email_key".
 * PostgreSQL: code 23505, detail "Key (email_key)=(...) already exists.".
 * MySQL/MariaDB: errno 1062, "Duplicate entry '...' for key 'users.email_key'".
 */
export function uniqueViolationColumn(error: unknown, columns: readonly string[]): string | null {
  if (typeof error !== "object" || error === null) return null;
  const e = error as {
    code?: unknown;
    errno?: unknown;
    message?: unknown;
    detail?: unknown;
    constraint?: unknown;
  };
  const isUnique =
    e.code === "SQLITE_CONSTRAINT_UNIQUE" ||
    e.code === "SQLITE_CONSTRAINT_PRIMARYKEY" ||
    e.code === "23505" ||
    e.errno === 1062;
  if (!isUnique) return null;
  const text = [e.message, e.detail, e.constraint]
    .filter((part) => typeof part === "string")
    .join(" ");
  return columns.find((column) => new RegExp(`\\b${column}\\b`).test(text)) ?? columns[0] ?? null;
}
