/**
 * The one place the server recognizes auth-core's DatabaseUnavailableError
 * (packages/auth-core/src/db/database-unavailable.ts): the database could not
 * be reached, so the answer is 503 with Retry-After, never 500.
 *
 * Found anywhere in an error's cause chain (tRPC wraps what a procedure
 * throws). Recognized by name and code, as auth-core's own
 * isDatabaseUnavailable does, since auth-core's index does not export the class.
 */
export function databaseUnavailableOf(error: unknown): { retryAfterSeconds: number } | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const candidate = current as { name?: unknown; code?: unknown; retryAfterSeconds?: unknown };
    if (
      candidate.name === "DatabaseUnavailableError" &&
      candidate.code === "DATABASE_UNAVAILABLE"
    ) {
      const seconds = candidate.retryAfterSeconds;
      return { retryAfterSeconds: typeof seconds === "number" && seconds > 0 ? seconds : 5 };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What a client is told; never the driver's text. */
export const DATABASE_UNAVAILABLE_MESSAGE = "temporarily unavailable; try again shortly";
