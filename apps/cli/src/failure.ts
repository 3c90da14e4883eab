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
 * Each bad field the server named with its messages (`data.fieldErrors` of a
 * BAD_REQUEST), or null when the refusal names no field.
 */
export function fieldErrorsOf(error: unknown): Record<string, string[]> | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data: unknown = error.data;
  if (typeof data !== "object" || data === null || !("fieldErrors" in data)) return null;
  const { fieldErrors } = data;
  if (typeof fieldErrors !== "object" || fieldErrors === null) return null;
  const errors: Record<string, string[]> = {};
  for (const [field, messages] of Object.entries(fieldErrors)) {
    if (!Array.isArray(messages)) continue;
    const texts = messages.filter((message): message is string => typeof message === "string");
    if (texts.length > 0) errors[field] = texts;
  }
  return Object.keys(errors).length > 0 ? errors : null;
}

/** One line per bad field, as a person reads it: `password: must be at least 8 characters`. */
export function describeFieldErrors(errors: Record<string, string[]>): string {
  return Object.entries(errors)
    .map(([field, messages]) => `${field}: ${messages.map(oneLine).join(", ")}`)
    .join("\n");
}

/**
 * Turns any failure into a reason for people (one line, or one per bad field)
 * and an exit status. The tRPC code is left out: `--debug` shows it
 * ({@link debugReport}). UNAUTHORIZED on a call made with stored credentials
 * means the session is over (the client has already tried a refresh): exit 3.
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
        `the session has ended (${oneLine(error.message)}): run \`warden login\``,
        EXIT.notLoggedIn,
        { cause: error },
      );
    }
    if (code === null) {
      return new CliError(
        `unexpected answer from ${server}: ${oneLine(error.message)}`,
        EXIT.failure,
        { cause: error },
      );
    }
    const fields = fieldErrorsOf(error);
    return new CliError(
      fields ? describeFieldErrors(fields) : oneLine(error.message),
      EXIT.failure,
      {
        cause: error,
      },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(oneLine(message), EXIT.failure, { cause: error });
}

/** What `--debug` adds after the reason: the server's error code, if any, then the stack and its causes. */
export function debugReport(error: Error): string {
  const lines: string[] = [];
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 8; depth += 1) {
    const code = errorCodeOf(cause);
    if (code !== null && cause instanceof TRPCClientError) {
      const data = cause.data as { httpStatus?: unknown; path?: unknown } | undefined;
      const where = [
        typeof data?.httpStatus === "number" ? `HTTP ${data.httpStatus}` : null,
        typeof data?.path === "string" ? data.path : null,
      ].filter((part) => part !== null);
      lines.push(`code: ${code}${where.length > 0 ? ` (${where.join(", ")})` : ""}`);
      break;
    }
    cause = cause.cause;
  }
  lines.push(error.stack ?? error.message);
  for (let cause = error.cause; cause instanceof Error; cause = cause.cause) {
    lines.push(`caused by: ${cause.stack ?? cause.message}`);
  }
  return lines.join("\n");
}

/** A reason as stderr shows it: `warden: ` before each of its lines (one per bad field). */
export function prefixed(message: string): string {
  return message
    .split("\n")
    .map((line) => `warden: ${line}\n`)
    .join("");
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, "; ");
}
