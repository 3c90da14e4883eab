/** Exit statuses, as the contract fixes them. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notLoggedIn: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A failure the CLI explains in a line (or one line per bad field) and turns
 * into an exit status.
 */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = EXIT.failure, options?: ErrorOptions) {
    super(message, options);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

export function notLoggedIn(server: string): CliError {
  return new CliError(`not logged in to ${server}: run \`warden login\``, EXIT.notLoggedIn);
}
