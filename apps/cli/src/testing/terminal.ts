import { spawn, spawnSync } from "node:child_process";
import { WARDEN_BIN } from "./run-cli.js";

/** util-linux's `script`, which gives the CLI a real pseudo-terminal, as a person's shell would. */
export const hasScript = spawnSync("script", ["--version"]).status === 0;

export interface Terminal {
  /** Everything on the screen so far (the terminal echoes typed keys, unless a prompt hides them). */
  output(): string;
  /** Waits for `text` on the screen after what was waited for before (fails if warden exits first). */
  waitFor(text: string): Promise<void>;
  /** Types `keys`, then Enter. */
  type(keys: string): void;
  /** The exit status, once warden has exited. */
  readonly closed: Promise<number | null>;
}

/** `warden --server <server> args…` in a pseudo-terminal, with its own config folder. */
export function inTerminal(
  args: readonly string[],
  options: { server: string; configHome: string },
): Terminal {
  const command = [process.execPath, WARDEN_BIN, "--server", options.server, ...args]
    .map((part) => `'${part.replaceAll("'", `'\\''`)}'`)
    .join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: options.configHome,
      XDG_CONFIG_HOME: options.configHome,
      TERM: "xterm",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  let seen = 0;
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const closed = new Promise<number | null>((resolve) => child.once("close", resolve));
  let exited = false;
  void closed.then(() => {
    exited = true;
  });
  return {
    output: () => output,
    async waitFor(text) {
      for (;;) {
        const at = output.indexOf(text, seen);
        if (at >= 0) {
          seen = at + text.length;
          return;
        }
        if (exited) throw new Error(`exited before showing ${JSON.stringify(text)}: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    type: (keys) => child.stdin.write(`${keys}\r`),
    closed,
  };
}
