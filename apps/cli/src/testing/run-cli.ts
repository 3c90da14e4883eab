import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type NodeRun, runNode } from "@warden/server/testing";

/** The built binary: the tests run what users run. */
export const WARDEN_BIN = join(dirname(fileURLToPath(import.meta.url)), "../../dist/main.js");

export type CliRun = NodeRun;

/** Runs `warden args…` with no terminal, `stdin` piped in (closed at once when absent). */
export async function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliRun> {
  return runNode(WARDEN_BIN, args, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...options.env },
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
  });
}
