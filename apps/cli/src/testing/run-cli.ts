import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type NodeRun, runNode } from "@warden/server/testing";
import { expect } from "vitest";

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

/** Registers `username` (address `<username>@example.com`) and logs in, through `warden` as a script does. */
export async function registerAndLogin(
  warden: (args: readonly string[], stdin?: string) => Promise<CliRun>,
  username: string,
  password: string,
): Promise<void> {
  const registered = await warden(
    [
      "register",
      "--username",
      username,
      "--email",
      `${username}@example.com`,
      "--name",
      username,
      "--password-stdin",
    ],
    `${password}\n`,
  );
  expect(registered, registered.stderr).toMatchObject({ code: 0, stderr: "" });
  const loggedIn = await warden(["login", username, "--password-stdin"], `${password}\n`);
  expect(loggedIn, loggedIn.stderr).toMatchObject({ code: 0, stderr: "" });
}
