import { AuthError } from "./errors.js";

/** An opaque cursor over (createdAt, id), the order every list here is kept in. */
export function encodeCursor(position: { createdAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), "utf8").toString(
    "base64url",
  );
}

export function decodeCursor(
  cursor: string | null | undefined,
): { createdAt: string; id: string } | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "string" &&
      typeof value[1] === "string"
    ) {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new AuthError("INVALID_INPUT", {
    issues: [{ field: "cursor", message: "is not a cursor this server gave out" }],
    message: "cursor: is not a cursor this server gave out",
  });
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Takes a page from rows fetched with limit + 1, so "is there more" costs no second query. */
export function toPage<Row extends { id: string }, T>(
  rows: Row[],
  limit: number,
  map: (row: Row) => T,
  /** The column the list is ordered by, before the id: the cursor's first half. */
  orderedBy: (row: Row) => string,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(map),
    nextCursor:
      rows.length > limit && last
        ? encodeCursor({ createdAt: orderedBy(last), id: last.id })
        : null,
  };
}
