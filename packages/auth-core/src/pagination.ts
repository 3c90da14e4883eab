import { type RawBuilder, sql } from "kysely";
import { invalidInput } from "./errors.js";
import { unstorableTextReason } from "./input/unstorable-text.js";

/** Where a page ends: the (ordering column, id) pair of its last row. */
export interface CursorPosition {
  readonly createdAt: string;
  readonly id: string;
}

/** An opaque cursor over (createdAt, id), the order every list here is kept in. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), "utf8").toString(
    "base64url",
  );
}

/** Throws INVALID_INPUT naming `cursor` for anything this server did not give out. */
export function decodeCursor(cursor: string | null | undefined): CursorPosition | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "string" &&
      typeof value[1] === "string" &&
      // A cursor is only read back as given out: nothing in it a database cannot compare.
      unstorableTextReason(value[0]) === null &&
      unstorableTextReason(value[1]) === null
    ) {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw invalidInput([{ field: "cursor", message: "is not a cursor this server gave out" }]);
}

/**
 * The keyset condition "rows after this position" for a list ordered by
 * (`orderColumn`, id) in `direction`: the one place every paged list gets it
 * from. Written as OR/AND rather than a row comparison so every dialect can
 * use the (column, id) index alike.
 */
export function keysetAfter(
  orderColumn: string,
  direction: "asc" | "desc",
  position: CursorPosition,
): RawBuilder<boolean> {
  const beyond = direction === "asc" ? sql.raw(">") : sql.raw("<");
  const column = sql.ref(orderColumn);
  return sql<boolean>`(${column} ${beyond} ${position.createdAt} or (${column} = ${position.createdAt} and ${sql.ref("id")} ${beyond} ${position.id}))`;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Takes a page from rows fetched with limit + 1, so "is there more" costs no second query. */
export function toPage<T extends { id: string }>(
  rows: T[],
  limit: number,
  /** The value the list is ordered by, before the id: the cursor's first half. */
  orderedBy: (item: T) => string,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      rows.length > limit && last
        ? encodeCursor({ createdAt: orderedBy(last), id: last.id })
        : null,
  };
}
