/** tRPC's own Vary: it reads both headers to choose a streaming answer. */
export const TRPC_VARY = "trpc-accept, accept";

/** A Vary header value that names Origin (once). */
export function withOrigin(vary: unknown): string {
  if (vary === undefined || vary === "") return "Origin";
  const value = Array.isArray(vary) ? vary.join(", ") : String(vary);
  const named = value.split(",").some((field) => field.trim().toLowerCase() === "origin");
  return named ? value : `${value}, Origin`;
}
