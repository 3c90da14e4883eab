import { TRPCClientError } from "@trpc/client";
import { errorCodeOf } from "@warden/client";
import { CliError, EXIT } from "./cli-error.js";

// Why a request got no answer at all, from the errno codes fetch reports.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

function networkCodeOf(error: unknown): string | null {
  let fetchFailed = false;
  let detail: string | null = null;
  for (let cause = error, depth = 0; cause instanceof Error && depth < 8; depth += 1) {
    if ("code" in cause && typeof cause.code === "string" && NETWORK_CODES.has(cause.code))
      return cause.code;
    if (cause instanceof TypeError && cause.message === "fetch failed") fetchFailed = true;
    else if (fetchFailed) detail = cause.message;
    cause = cause.cause;
  }
  // fetch gives no answer for other reasons too ("bad port", a TLS failure): name the innermost.
  return fetchFailed ? (detail ?? "fetch failed") : null;
}

/**
 * Turns any failure into a one-line reason and an exit status. UNAUTHORIZED on
 * a call made with stored credentials means the session is over (the client
 * has already tried a refresh): exit 3.
 */
export function toCliError(error: unknown, server: string): CliError {
  if (error instanceof CliError) return error;
  const network = networkCodeOf(error);
  if (network) {
    return new CliError(`cannot reach the Warden server at ${server} (${network})`, EXIT.failure, {
      cause: error,
    });
  }
  if (error instanceof TRPCClientError) {
    const code = errorCodeOf(error);
    if (code === "UNAUTHORIZED") {
      return new CliError(
        `the session has ended (${error.message}): run \`warden login\``,
        EXIT.notLoggedIn,
        { cause: error },
      );
    }
    if (code === null) {
      return new CliError(`unexpected answer from ${server}: ${error.message}`, EXIT.failure, {
        cause: error,
      });
    }
    return new CliError(`${code}: ${oneLine(error.message)}`, EXIT.failure, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(oneLine(message), EXIT.failure, { cause: error });
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, "; ");
}
