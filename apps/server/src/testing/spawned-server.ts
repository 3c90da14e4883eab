import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type NodeRun, runNode } from "./run-node.js";

/** The built server's entry point, beside this file's folder in dist/. */
const SERVER_MAIN = fileURLToPath(new URL("../main.js", import.meta.url));

export interface SpawnedServer {
  readonly url: string;
  readonly databaseUrl: string;
  readonly process: ChildProcess;
  /** The last few KB the server wrote (stdout, then stderr), for error messages. */
  output(): string;
  /** SIGTERM (graceful: lets --cpu-prof write its profile), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** A database of the caller's (kept on stop); by default a temp SQLite file in the server's folder. */
  readonly databaseUrl?: string;
  /** Flags for node before the script, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
}

/** A free TCP port on loopback: the server needs it up front, since its issuer names the port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** Keeps the last few KB a stream wrote. */
function tail(stream: NodeJS.ReadableStream | null): () => string {
  let text = "";
  stream?.on("data", (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-4096);
  });
  return () => text;
}

/**
 * The real built server (`node dist/main.js serve`) on an ephemeral port over a
 * temp SQLite file (or `options.databaseUrl`): the client is tested the way it
 * is used, over HTTP. Its working folder is empty, so no stray .env is loaded.
 */
export async function spawnWardenServer(
  env: Record<string, string> = {},
  options: SpawnOptions = {},
): Promise<SpawnedServer> {
  const main = SERVER_MAIN;
  const folder = await mkdtemp(join(tmpdir(), "warden-spawned-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const databaseUrl = options.databaseUrl ?? `file:${join(folder, "warden.db")}`;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), main, "serve"], {
    cwd: folder,
    env: {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: databaseUrl,
      HOST: "127.0.0.1",
      PORT: String(port),
      BCRYPT_COST: "10",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout = tail(child.stdout);
  const stderr = tail(child.stderr);
  const output = () => `${stdout()}${stderr()}`;
  const ended = () => child.exitCode !== null || child.signalCode !== null;

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (ended()) {
      await rm(folder, { recursive: true, force: true });
      throw new Error(`server exited ${child.exitCode ?? child.signalCode}: ${output()}`);
    }
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill();
      await rm(folder, { recursive: true, force: true });
      throw new Error(`server did not start: ${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    url,
    databaseUrl,
    process: child,
    output,
    async stop() {
      if (!ended()) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** Runs the server's own command line (`promote`, say) against the same database. */
export async function runServerCommand(
  server: SpawnedServer,
  args: readonly string[],
): Promise<NodeRun> {
  return runNode(SERVER_MAIN, args, {
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: server.databaseUrl, BCRYPT_COST: "10" },
  });
}
