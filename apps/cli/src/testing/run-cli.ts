import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built binary: the tests run what users run. */
export const WARDEN_BIN = join(dirname(fileURLToPath(import.meta.url)), "../../dist/main.js");

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `warden args…` with no terminal, `stdin` piped in (closed at once when absent). */
export async function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, [WARDEN_BIN, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(options.stdin ?? "");
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  return { code, stdout, stderr };
}
