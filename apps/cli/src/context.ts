import type { WardenClient } from "@warden/client";
import { createWardenClient } from "@warden/client";
import { usageError } from "./cli-error.js";
import type { CredentialsStore } from "./credentials.js";
import { createCredentialsStore, credentialsFolder } from "./credentials.js";
import { VERSION } from "./version.js";

/** The options every command takes, before or after its name. */
export interface GlobalOptions {
  readonly server?: string;
  readonly json?: boolean;
  readonly debug?: boolean;
  readonly username?: string;
  readonly email?: string;
  readonly name?: string;
  readonly passwordStdin?: boolean;
}

export interface CliContext {
  readonly server: string;
  readonly options: GlobalOptions;
  readonly store: CredentialsStore;
  readonly client: WardenClient;
  /** The time now: tests give a fixed clock. */
  now(): Date;
  /** Prints the procedure's output as JSON with `--json`, else the text. */
  print(output: unknown, text: () => string): void;
}

export const DEFAULT_SERVER = "http://127.0.0.1:3000";

/** The server URL the credentials are filed under: one entry per server. */
export function normalizeServer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--server: not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw usageError(`--server: must be an http or https URL: ${raw}`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

export function createContext(options: GlobalOptions): CliContext {
  const server = normalizeServer(options.server ?? process.env.WARDEN_URL ?? DEFAULT_SERVER);
  const store = createCredentialsStore({ folder: credentialsFolder(), server });
  const client = createWardenClient({
    url: server,
    tokenStore: store,
    headers: { "user-agent": `warden-cli/${VERSION}` },
  });
  return {
    server,
    options,
    store,
    client,
    now: () => new Date(),
    print(output, text) {
      process.stdout.write(
        options.json ? `${JSON.stringify(output, null, 2)}\n` : `${text().replace(/\n$/, "")}\n`,
      );
    },
  };
}
