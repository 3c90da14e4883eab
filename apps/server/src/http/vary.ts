/** A Vary header value that names Origin (once). */
export function withOrigin(vary: unknown): string {
  if (vary === undefined || vary === "") return "Origin";
  const value = Array.isArray(vary) ? vary.join(", ") : String(vary);
  const named = value.split(",").some((field) => field.trim().toLowerCase() === "origin");
  return named ? value : `${value}, Origin`;
}
