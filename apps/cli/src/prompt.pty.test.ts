import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SpawnedServer, spawnWardenServer } from "@warden/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./testing/run-cli.js";
import { hasScript, inTerminal as openTerminal } from "./testing/terminal.js";

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

  /** `warden args…` in a pseudo-terminal against this suite's server and config folder. */
  const inTerminal = (args: readonly string[]) =>
    openTerminal(args, { server: server.url, configHome });

  it("asks for the password without echoing it, and logs in", async () => {
    const terminal = inTerminal(["login", "pty_user"]);
    // Type the password once the prompt is on the screen, as a person would.
    await terminal.waitFor("Password");
    terminal.type(password);
    const code = await terminal.closed;
    const output = terminal.output();
    expect(code, output).toBe(0);
    expect(output).toContain("logged in to");
    expect(output).not.toContain(password);
    const whoami = await runCli(["--server", server.url, "whoami"], {
      env: { XDG_CONFIG_HOME: configHome },
    });
    expect(whoami.stdout).toMatch(/^pty_user /);
  });
  it("register asks again for a password the server refuses, then registers", async () => {
    const terminal = inTerminal([
      "register",
      "--username",
      "pty_retry",
      "--email",
      "pty_retry@example.com",
      "--name",
      "Retry",
    ]);
    for (const refused of ["short", "password"]) {
      await terminal.waitFor("Password");
      terminal.type(refused);
      await terminal.waitFor("Repeat the password");
      terminal.type(refused);
    }
    await terminal.waitFor("Password");
    terminal.type(password);
    await terminal.waitFor("Repeat the password");
    terminal.type(password);
    const code = await terminal.closed;
    const output = terminal.output();
    expect(code, output).toBe(0);
    expect(output).toContain("warden: password: must be at least 8 characters\r\n");
    expect(output).toContain(
      "warden: password: is one of the most common passwords; choose another\r\n",
    );
    expect(output).toContain("registered pty_retry on");
    expect(output).not.toContain(password);
    expect(output).not.toContain("BAD_REQUEST");
    const login = await runCli(["--server", server.url, "login", "pty_retry", "--password-stdin"], {
      env: { XDG_CONFIG_HOME: configHome },
      stdin: password,
    });
    expect(login.code, login.stderr).toBe(0);
  });

  it("register still ends, exit 1, when the server refuses something other than the password", async () => {
    const terminal = inTerminal([
      "register",
      "--username",
      "pty_user",
      "--email",
      "pty_other@example.com",
      "--name",
      "Taken",
    ]);
    await terminal.waitFor("Password");
    terminal.type(password);
    await terminal.waitFor("Repeat the password");
    terminal.type(password);
    const code = await terminal.closed;
    const output = terminal.output();
    expect(code, output).toBe(1);
    expect(output).toContain("warden: that username is already taken\r\n");
    // Not asked again: the last question on the screen is the one answered.
    expect(output.slice(output.lastIndexOf("Repeat the password"))).not.toContain("Password");
  });
});
