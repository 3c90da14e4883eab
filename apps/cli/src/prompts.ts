import input from "@inquirer/input";
import password from "@inquirer/password";
import { usageError } from "./cli-error.js";

/** Whether a question can be put to a person: both ends of the terminal are there. */
export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/**
 * The answer from its flag, else from a prompt. Without a terminal it fails
 * at once (exit 2) rather than hang a script waiting for input.
 */
export async function answer(options: {
  value: string | undefined;
  flag: string;
  question: string;
}): Promise<string> {
  if (options.value !== undefined) return options.value;
  if (!canAsk()) throw usageError(`no terminal to ask "${options.question}": pass ${options.flag}`);
  // Questions go to stderr so that stdout carries only the result (`--json`).
  return input({ message: options.question, required: true }, { output: process.stderr });
}

/** A password from stdin (`--password-stdin`) or a hidden prompt. */
export async function askPassword(options: {
  fromStdin: boolean;
  question: string;
  confirm?: boolean;
}): Promise<string> {
  if (options.fromStdin) return readPasswordFromStdin();
  if (!canAsk()) throw usageError(`no terminal to ask for the password: pass --password-stdin`);
  const first = await password({ message: options.question }, { output: process.stderr });
  if (options.confirm) {
    const again = await password({ message: "Repeat the password" }, { output: process.stderr });
    if (again !== first) throw usageError("the passwords do not match");
  }
  return first;
}

async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }
  // Only the one line ending `echo` or a file adds: every other character is the password's.
  const text = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (text === "") throw usageError("--password-stdin: no password on stdin");
  return text;
}
