import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SpawnedServer, spawnWardenServer } from "@warden/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, WARDEN_BIN } from "./testing/run-cli.js";

// util-linux's `script` gives the CLI a real pseudo-terminal, as a person's shell would.
const hasScript = spawnSync("script", ["--version"]).status === 0;

describe.skipIf(!hasScript)("the hidden password prompt, through a pseudo-terminal", () => {
  let server: SpawnedServer;
  let configHome: string;
  const password = "tangerine-orbit-47";

  beforeAll(async () => {
    server = await spawnWardenServer();
    configHome = await mkdtemp(join(tmpdir(), "warden-pty-"));
    const registered = await runCli(
      [
        "--server",
        server.url,
        "register",
        "--username",
        "pty_user",
        "--email",
        "pty@example.com",
        "--name",
        "Pty",
        "--password-stdin",
      ],
      { env: { XDG_CONFIG_HOME: configHome }, stdin: `${password}\n` },
    );
    expect(registered.code, registered.stderr).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await rm(configHome, { recursive: true, force: true });
  });

  it("asks for the password without echoing it, and logs in", async () => {
    const command = [process.execPath, WARDEN_BIN, "--server", server.url, "login", "pty_user"]
      .map((part) => `'${part}'`)
      .join(" ");
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: configHome,
        XDG_CONFIG_HOME: configHome,
        TERM: "xterm",
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    // Type the password once the prompt is on the screen, as a person would.
    while (!output.includes("Password")) await new Promise((resolve) => setTimeout(resolve, 20));
    child.stdin.write(`${password}\r`);
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code, output).toBe(0);
    expect(output).toContain("logged in to");
    expect(output).not.toContain(password);
    const whoami = await runCli(["--server", server.url, "whoami"], {
      env: { XDG_CONFIG_HOME: configHome },
    });
    expect(whoami.stdout).toMatch(/^pty_user /);
  });
});
