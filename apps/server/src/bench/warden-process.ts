/** Runs the built Warden server (dist/main.js) as a child process on a free port. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));

export interface WardenOptions {
  readonly databaseUrl: string;
  readonly bcryptCost: number;
  /** Extra flags for node, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
}

export interface WardenProcess {
  readonly url: string;
  readonly pid: number;
  /** Why the process ended, with the tail of its output, if it has ended. */
  exitReport(): string | undefined;
  /** SIGTERM (graceful: lets --cpu-prof write its profile), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Keeps the last few KB a stream wrote, for error messages. */
function tail(stream: NodeJS.ReadableStream | null): () => string {
  let text = "";
  stream?.on("data", (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-4096);
  });
  return () => text;
}

export async function startWarden(options: WardenOptions): Promise<WardenProcess> {
  const port = await freePort();
  // An empty working directory, so no stray .env is loaded.
  const cwd = mkdtempSync(join(tmpdir(), "warden-bench-cwd-"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: options.databaseUrl,
    HOST: "127.0.0.1",
    PORT: String(port),
    BCRYPT_COST: String(options.bcryptCost),
    LOG_LEVEL: "warn",
  };
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN, "serve"], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout = tail(child.stdout);
  const stderr = tail(child.stderr);
  const url = `http://127.0.0.1:${port}`;

  try {
    await waitForReady(child, url, () => `${stdout()}${stderr()}`);
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(cwd, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    pid: child.pid ?? -1,
    exitReport() {
      if (child.exitCode === null && child.signalCode === null) return undefined;
      return `warden exited (code ${child.exitCode}, signal ${child.signalCode}):\n${stdout()}${stderr()}`;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

async function waitForReady(child: ChildProcess, url: string, output: () => string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`warden exited with ${child.exitCode} before it was ready:\n${output()}`);
    try {
      const response = await fetch(`${url}/readyz`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`warden was not ready within 30 s:\n${output()}`);
}
