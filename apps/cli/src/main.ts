#!/usr/bin/env node
import { CommanderError } from "commander";
import { EXIT } from "./cli-error.js";
import { createProgram } from "./program.js";

const outcome = { exitCode: EXIT.failure as number };
const program = createProgram(outcome);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and --version end with 0; a bad flag or argument is a usage error. Commander has said why.
    outcome.exitCode =
      error.code === "commander.helpDisplayed" ||
      error.code === "commander.version" ||
      error.code === "commander.help"
        ? EXIT.ok
        : EXIT.usage;
  } else {
    process.stderr.write(`warden: ${error instanceof Error ? error.message : String(error)}\n`);
    outcome.exitCode = EXIT.failure;
  }
}

// Exit at once rather than wait for idle keep-alive sockets; stdout and stderr are written synchronously.
process.exit(outcome.exitCode);
