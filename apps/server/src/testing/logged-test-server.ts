import type { TestDatabase } from "@warden/auth-core/testing";
import { createLogger } from "../logger.js";
import { startTestServer, type TestServer } from "./test-server.js";

/** One line of the server's JSON log, parsed. */
export interface LogRecord {
  readonly level: number;
  readonly msg?: string;
  readonly [key: string]: unknown;
}

export interface LoggedTestServer extends TestServer {
  /** Every line logged so far, as written (JSON text). */
  readonly lines: readonly string[];
  /** The same lines, parsed. */
  records(): LogRecord[];
}

/** pino's numeric levels. */
export const LOG_LEVEL = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/**
 * The real server (startTestServer), with the logger the server runs with in
 * production writing to memory instead of stdout.
 */
export async function startLoggedTestServer(
  database: TestDatabase,
  env: Record<string, string> = {},
  level = "info",
): Promise<LoggedTestServer> {
  const lines: string[] = [];
  const logger = createLogger(level, {
    destination: { write: (line: string) => void lines.push(line) },
  });
  const server = await startTestServer(database, { LOG_LEVEL: level, ...env }, logger);
  return {
    ...server,
    lines,
    records: () => lines.map((line) => JSON.parse(line) as LogRecord),
  };
}
