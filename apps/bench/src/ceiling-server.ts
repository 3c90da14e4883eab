/**
 * The ceiling: a bare node:http server answering a small JSON body, in a
 * process of its own (like Warden), so it competes for the CPU the same way.
 * Run directly (`node ceiling-server.js`) it serves and reports its port over IPC.
 */
import { fork } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

/** The same shape and size as system.hello's answer. */
const BODY = JSON.stringify({ result: { data: { message: "Hello, bench!" } } });

export interface CeilingServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startCeilingServer(): Promise<CeilingServer> {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], { stdio: "inherit" });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message) => resolve((message as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`ceiling server exited (${code})`)));
    child.once("error", reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

function serve(): void {
  const server = createServer((_request, response) => {
    response.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(BODY),
    });
    response.end(BODY);
  });
  server.listen(0, "127.0.0.1", () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.once("SIGTERM", () => process.exit(0));
}

if (process.argv[2] === "--serve" && process.argv[1] === fileURLToPath(import.meta.url)) serve();
