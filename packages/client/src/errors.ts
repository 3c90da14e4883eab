import { TRPCClientError } from "@trpc/client";

/** The tRPC error code of a failed call, or null when it never got an answer from the API. */
export function errorCodeOf(error: unknown): string | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data: unknown = error.data;
  if (typeof data === "object" && data !== null && "code" in data && typeof data.code === "string")
    return data.code;
  return null;
}

/** True when the server refused the caller's credentials or token. */
export function isUnauthorizedError(error: unknown): boolean {
  return errorCodeOf(error) === "UNAUTHORIZED";
}
