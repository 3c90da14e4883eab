import type { FieldIssue } from "../errors.js";

/**
 * NUL and the other control characters no person types (tab, line feed and
 * carriage return excepted), and the C1 controls: PostgreSQL cannot store a
 * NUL at all, and none of them belongs in a name, an identifier or a post.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string is unstorable text, or null when it is fine. */
export function unstorableTextReason(text: string): string | null {
  if (CONTROL_CHARACTER.test(text)) return "must not contain control characters";
  // A lone UTF-16 surrogate is no character at all: no encoding can carry it.
  if (LONE_SURROGATE.test(text)) return "must be valid Unicode text";
  return null;
}

/** Fields whose text never reaches a database as typed (it is hashed): any character is allowed. */
const SECRET_FIELDS = new Set([
  "password",
  "currentPassword",
  "newPassword",
  "refreshToken",
  "client_secret",
  "token",
]);

/**
 * Every string in `input` (walked through objects and arrays) that a
 * database cannot store or no person types, as field issues naming where it
 * is ("name", "items.0.title"). Secret fields are left alone.
 */
export function unstorableTextIssues(input: unknown, path: readonly string[] = []): FieldIssue[] {
  // Every request's input passes through here and almost all of it is fine:
  // the walk below allocates a path array per field and an array per level
  // (flatMap, Object.entries) to say where a fault is, so it runs only once
  // containsUnstorableText, the same walk without allocations, found one.
  if (!containsUnstorableText(input)) return [];
  return issuesIn(input, path);
}

/** Whether unstorableTextIssues would find anything: the same fields, the same rule. */
function containsUnstorableText(input: unknown): boolean {
  if (typeof input === "string") return unstorableTextReason(input) !== null;
  if (typeof input !== "object" || input === null) return false;
  if (Array.isArray(input)) {
    for (let i = 0; i < input.length; i++) if (containsUnstorableText(input[i])) return true;
    return false;
  }
  for (const key of Object.keys(input)) {
    if (!SECRET_FIELDS.has(key) && containsUnstorableText((input as Record<string, unknown>)[key]))
      return true;
  }
  return false;
}

function issuesIn(input: unknown, path: readonly string[]): FieldIssue[] {
  if (typeof input === "string") {
    const reason = unstorableTextReason(input);
    return reason ? [{ field: path.join(".") || "input", message: reason }] : [];
  }
  if (Array.isArray(input)) {
    return input.flatMap((item, index) => issuesIn(item, [...path, String(index)]));
  }
  if (typeof input === "object" && input !== null) {
    return Object.entries(input).flatMap(([key, value]) =>
      SECRET_FIELDS.has(key) ? [] : issuesIn(value, [...path, key]),
    );
  }
  return [];
}
