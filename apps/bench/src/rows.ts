/** The rows `pnpm bench` can run: the id `--only` takes, and the name the table prints. */

export const ROWS = {
  ceiling: "ceiling (bare node:http)",
  "system.hello": "system.hello",
  "system.health": "system.health",
  "auth.verify": "auth.verify",
  "users.me": "users.me",
  "posts.list": "posts.list",
  rss: "peak RSS of Warden under the read load",
  floor: "bcrypt floor",
  "auth.login": "auth.login",
  "oauth.token": "POST /oauth/token (password grant)",
  "auth.register": "auth.register",
  "health-under-logins": "system.health while logins saturate",
} as const;

export type RowId = keyof typeof ROWS;

export const READ_ROWS: readonly RowId[] = [
  "system.hello",
  "system.health",
  "auth.verify",
  "users.me",
  "posts.list",
];
/** Logins and registrations, run at each bcrypt cost. */
export const WRITE_ROWS: readonly RowId[] = ["auth.login", "oauth.token", "auth.register"];

/** The note of a row that could not be measured. */
export const FAILED = "FAILED, see log";

const ids = Object.keys(ROWS) as RowId[];

/** One line per row: its id, and its printed name when that differs. */
export function rowList(): string {
  return ids.map((id) => (ROWS[id] === id ? `  ${id}` : `  ${id}  (${ROWS[id]})`)).join("\n");
}

function find(word: string): RowId | undefined {
  const wanted = word.trim().toLowerCase();
  return ids.find((id) => id.toLowerCase() === wanted || ROWS[id].toLowerCase() === wanted);
}

/**
 * The rows `--only` names (ids or printed names, case-insensitive, repeated or
 * comma-separated); every row when it names none; the words it did not know.
 */
export function selectRows(only: readonly string[] | undefined): {
  selected: ReadonlySet<RowId>;
  unknown: string[];
} {
  const words = (only ?? []).flatMap((value) => value.split(",")).filter((word) => word.trim());
  if (words.length === 0) return { selected: new Set(ids), unknown: [] };
  const selected = new Set<RowId>();
  const unknown: string[] = [];
  for (const word of words) {
    const id = find(word);
    if (id) selected.add(id);
    else unknown.push(word.trim());
  }
  return { selected, unknown };
}
