#!/usr/bin/env node
import { existsSync } from "node:fs";
import {
  ConfigError,
  createDatabase,
  migrateToLatest,
  parseConfig,
  type WardenConfig,
  type WardenDatabase,
} from "@warden/auth-core";
import { Command } from "commander";
import { bootstrap } from "./bootstrap.js";
import { promoteUser, rotateSigningKey } from "./cli/admin-commands.js";
import { type ImportUsersOptions, importUsers } from "./cli/import-users.js";
import { createLogger } from "./logger.js";
import { createServer } from "./server.js";

// A .env in the working directory fills in what the environment does not set.
if (existsSync(".env")) process.loadEnvFile(".env");

function fail(message: string): never {
  process.stderr.write(`warden-server: ${message}\n`);
  process.exit(1);
}

function loadConfig() {
  try {
    return parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

async function serve(): Promise<void> {
  const config = loadConfig();
  // Development on a terminal reads lines, not JSON; everywhere else, JSON lines.
  const logger = createLogger(config.logLevel, {
    pretty: !config.production && process.stdout.isTTY === true,
  });
  // FastAPI-style variables read in place of Warden's: one warning each, naming both.
  for (const notice of config.notices) logger.warn(notice);
  const running = await bootstrap(config, logger);
  const app = await createServer(running.deps);
  await app.listen({ host: config.host, port: config.port });
  logger.info(
    { issuer: config.issuer, database: running.deps.warden.database.dialect },
    "warden is serving",
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: finishing requests in flight");
    // close() stops accepting, lets in-flight requests finish, then we close the database.
    await app.close();
    await running.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

async function withDatabase<T>(
  action: (database: WardenDatabase, config: WardenConfig) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const database = createDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database.db);
    return await action(database, config);
  } finally {
    await database.destroy();
  }
}

const program = new Command("warden-server")
  .description("The Warden authentication server")
  .showHelpAfterError()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

program
  .command("serve", { isDefault: true })
  .description("migrate, then serve HTTP (the default)")
  .action(serve);

program
  .command("migrate")
  .description("apply pending migrations and exit")
  .action(async () => {
    const config = loadConfig();
    const database = createDatabase(config.databaseUrl);
    try {
      const { applied } = await migrateToLatest(database.db);
      process.stdout.write(
        applied.length ? `applied: ${applied.join(", ")}\n` : "already up to date\n",
      );
    } finally {
      await database.destroy();
    }
  });

program
  .command("promote")
  .description("make a user an admin; their sessions end, and they log in again as admin")
  .argument("<username>")
  .action(async (username: string) => {
    const user = await withDatabase((database, config) => promoteUser(database, config, username));
    process.stdout.write(
      `${user.username} is now an admin; their sessions have ended, so they log in again\n`,
    );
  });

program
  .command("keys")
  .description("manage signing keys")
  .command("rotate")
  .description("a new key signs from now on; the old one stays published until its tokens expire")
  .action(async () => {
    const kid = await withDatabase((database, config) => rotateSigningKey(database, config));
    process.stdout.write(`new signing key ${kid}; running servers use it within a minute\n`);
  });

program
  .command("import-users")
  .description(
    "import the users of an older (FastAPI-style) service from its users table, bcrypt hashes unchanged; a second run adds nothing",
  )
  .requiredOption(
    "--from <url>",
    "the old service's database URL: file:, postgres://, mysql://, or its SQLAlchemy URL (sqlite:///app.db, postgresql+psycopg://…, mysql+pymysql://…)",
  )
  .option("--table <name>", "the old table", "users")
  .option("--username-column <column>", "default: username")
  .option("--email-column <column>", "default: email")
  .option("--password-column <column>", "default: hashed_password, password or password_hash")
  .option("--name-column <column>", "default: name or full_name")
  .option(
    "--email-domain <domain>",
    "required when the old table has no email column (Warden requires one): users get <username>@<domain>",
  )
  .option("--batch-size <n>", "users written per transaction", "500")
  .addHelpText(
    "after",
    "\nUsernames Warden refuses (spaces, @, under 3 or over 32 characters) are made valid\n" +
      '("_" for invalid characters, padded or cut, a number added on a clash); each change is\n' +
      "reported. Users whose username or email Warden already has are skipped, as are hashes\n" +
      "other than bcrypt ($2a$, $2b$, $2y$). Progress on stderr, the report on stdout.",
  )
  .action(async (options: ImportUsersOptions) => {
    await withDatabase((database) =>
      importUsers(
        database,
        options,
        (line) => process.stdout.write(`${line}\n`),
        (line) => process.stderr.write(`${line}\n`),
      ),
    );
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  fail(error instanceof Error ? error.message : String(error));
});
