import { parseConfig } from "@warden/auth-core";
import type { TestDatabase } from "@warden/auth-core/testing";
import { bootstrap } from "../bootstrap.js";
import { createLogger } from "../logger.js";
import { createServer } from "../server.js";
import { TEST_ISSUER, type TestServer } from "./test-server.js";

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
 * The real server, built as startTestServer builds it (bootstrap, then
 * createServer, listening on an ephemeral port), with the logger the server
 * runs with in production writing to memory instead of stdout.
 */
export async function startLoggedTestServer(
  database: TestDatabase,
  env: Record<string, string> = {},
  level = "info",
): Promise<LoggedTestServer> {
  const config = parseConfig({
    DATABASE_URL: database.url,
    BCRYPT_COST: "10",
    WARDEN_ISSUER: TEST_ISSUER,
    LOG_LEVEL: level,
    ...env,
  });
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(line) });
  const running = await bootstrap(config, logger);
  const app = await createServer(running.deps);
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url: address,
    app,
    running,
    lines,
    records: () => lines.map((line) => JSON.parse(line) as LogRecord),
    async close() {
      await app.close();
      await running.close();
    },
  };
}
