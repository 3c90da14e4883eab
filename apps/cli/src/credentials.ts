import { randomBytes } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { chmod, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import type { TokenSet, TokenStore } from "@warden/client";

export interface StoredCredentials {
  readonly accessToken: string;
  readonly refreshToken?: string | undefined;
  readonly savedAt: string;
}

interface CredentialsFile {
  readonly version: 1;
  readonly servers: Readonly<Record<string, StoredCredentials>>;
}

const FILE_MODE = 0o600;
const FOLDER_MODE = 0o700;
const LOCK_RETRY_MS = 25;
const LOCK_TIMEOUT_MS = 15_000;
// A lock older than this was left by a process that died holding it: no
// refresh takes that long.
const STALE_LOCK_MS = 60_000;

/** `$XDG_CONFIG_HOME/warden`, else `~/.config/warden` (a relative XDG path is ignored, as the spec says). */
export function credentialsFolder(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".config");
  return join(base, "warden");
}

export interface CredentialsStore extends TokenStore {
  /** Forgets this server's entry, whatever it holds. */
  remove(): Promise<void>;
}

/**
 * The credentials file as a TokenStore for one server. Every write re-reads
 * the file under a lock and replaces it by rename, so a reader never sees half
 * a file and two `warden` processes refreshing at once never lose the newer
 * refresh token.
 */
export function createCredentialsStore(options: {
  folder: string;
  server: string;
}): CredentialsStore {
  const { folder, server } = options;
  const file = join(folder, "credentials.json");
  const lockFile = `${file}.lock`;
  let lockDepth = 0;
  // The access token this process last read or wrote: a clear only removes
  // that one, not a newer login made meanwhile by another process.
  let lastSeen: string | undefined;

  async function withLock<T>(task: () => Promise<T>): Promise<T> {
    // Re-entrant: the client writes the rotated pair from inside its own exclusive refresh.
    if (lockDepth > 0) return task();
    await ensureFolder(folder);
    const handle = await acquireLock(lockFile);
    lockDepth += 1;
    try {
      return await task();
    } finally {
      lockDepth -= 1;
      await handle.close();
      await rm(lockFile, { force: true });
    }
  }

  async function update(
    change: (entry: StoredCredentials | undefined) => StoredCredentials | undefined,
  ): Promise<void> {
    await withLock(async () => {
      const current = await readCredentialsFile(file);
      const servers = { ...current.servers };
      const next = change(servers[server]);
      if (next) servers[server] = next;
      else delete servers[server];
      await writeAtomically(folder, file, `${JSON.stringify({ version: 1, servers }, null, 2)}\n`);
    });
  }

  return {
    async get(): Promise<TokenSet | null> {
      const entry = (await readCredentialsFile(file)).servers[server];
      if (!entry) return null;
      lastSeen = entry.accessToken;
      return { accessToken: entry.accessToken, refreshToken: entry.refreshToken };
    },
    async set(tokens) {
      lastSeen = tokens.accessToken;
      await update(() => ({
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        savedAt: new Date().toISOString(),
      }));
    },
    async clear() {
      await update((entry) =>
        entry && lastSeen !== undefined && entry.accessToken !== lastSeen ? entry : undefined,
      );
    },
    async remove() {
      await update(() => undefined);
    },
    exclusive: withLock,
  };
}

async function ensureFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
  const { mode } = await stat(folder);
  // mkdir leaves an existing folder as it is: tighten one others can read.
  if ((mode & 0o077) !== 0) await chmod(folder, FOLDER_MODE);
}

async function readCredentialsFile(file: string): Promise<CredentialsFile> {
  let text: string;
  try {
    const { mode } = await stat(file);
    if ((mode & 0o077) !== 0) await chmod(file, FILE_MODE);
    text = await readFile(file, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return { version: 1, servers: {} };
    throw error;
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || !("servers" in parsed))
    throw new Error(`${file} is not a Warden credentials file`);
  const servers: Record<string, StoredCredentials> = {};
  if (typeof parsed.servers === "object" && parsed.servers !== null) {
    for (const [url, entry] of Object.entries(parsed.servers)) {
      const credentials = credentialsOf(entry);
      if (credentials) servers[url] = credentials;
    }
  }
  return { version: 1, servers };
}

function credentialsOf(entry: unknown): StoredCredentials | null {
  if (typeof entry !== "object" || entry === null) return null;
  if (!("accessToken" in entry) || typeof entry.accessToken !== "string") return null;
  const refreshToken =
    "refreshToken" in entry && typeof entry.refreshToken === "string"
      ? entry.refreshToken
      : undefined;
  const savedAt = "savedAt" in entry && typeof entry.savedAt === "string" ? entry.savedAt : "";
  return { accessToken: entry.accessToken, refreshToken, savedAt };
}

async function writeAtomically(folder: string, file: string, text: string): Promise<void> {
  // A private temp file in the same folder (so rename stays on one file
  // system), created 0600 and exclusively: nobody else can have it open.
  const temp = join(folder, `.credentials.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", FILE_MODE);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function acquireLock(lockFile: string): Promise<FileHandle> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      // O_EXCL: exactly one process creates it; the others wait their turn.
      const handle = await open(lockFile, "wx", FILE_MODE);
      await handle.writeFile(String(process.pid));
      return handle;
    } catch (error) {
      if (!isErrno(error, "EEXIST")) throw error;
    }
    try {
      const { mtimeMs } = await stat(lockFile);
      if (Date.now() - mtimeMs > STALE_LOCK_MS) await rm(lockFile, { force: true });
    } catch (error) {
      if (!isErrno(error, "ENOENT")) throw error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockFile}`);
    await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS + Math.random() * 25));
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}
