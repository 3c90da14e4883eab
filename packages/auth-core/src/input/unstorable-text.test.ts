import { describe, expect, it } from "vitest";
import { unstorableTextIssues, unstorableTextReason } from "./unstorable-text.js";

describe("unstorableTextIssues", () => {
  it("finds nothing in storable input, of any shape", () => {
    for (const input of [
      undefined,
      null,
      0,
      true,
      "plain text, tabs\tand\nlines",
      { name: "Ada", limit: 20, cursor: null, tags: ["a", "b"], nested: { deep: ["ok"] } },
      [],
      {},
    ])
      expect(unstorableTextIssues(input)).toEqual([]);
  });

  it("names each unstorable string by its path, through objects and arrays", () => {
    expect(
      unstorableTextIssues({
        name: "a\u0000b",
        items: [{ title: "fine" }, { title: "bad\ud800" }],
        ok: "fine",
      }),
    ).toEqual([
      { field: "name", message: "must not contain control characters" },
      { field: "items.1.title", message: "must be valid Unicode text" },
    ]);
    expect(unstorableTextIssues("\u0007")).toEqual([
      { field: "input", message: "must not contain control characters" },
    ]);
    expect(unstorableTextIssues({ a: "\u0001" }, ["outer"])).toEqual([
      { field: "outer.a", message: "must not contain control characters" },
    ]);
  });

  it("leaves secret fields alone, at any depth, but not what is beside them", () => {
    expect(unstorableTextIssues({ password: "\u0000", nested: { token: "\ud800" } })).toEqual([]);
    expect(unstorableTextIssues({ password: "\u0000", name: "\u0000" })).toEqual([
      { field: "name", message: "must not contain control characters" },
    ]);
  });

  it("finds an issue exactly when some walked string has a reason (the quick check agrees with the walk)", () => {
    const strings = ["", "ok", "\u0000", "\u0085", "\ud83d\ude00", "\udc00", "a\u007f", "\t\r\n"];
    const keys = ["name", "password", "title", "token"];
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const build = (depth: number): unknown => {
      const kind = depth > 2 ? 0 : next(4);
      if (kind === 0) return strings[next(strings.length)];
      if (kind === 1) return Array.from({ length: next(3) }, () => build(depth + 1));
      if (kind === 2) return next(2) === 0 ? 42 : null;
      return Object.fromEntries(
        Array.from({ length: next(3) }, () => [keys[next(keys.length)], build(depth + 1)]),
      );
    };
    const expected = (input: unknown, secret: boolean): boolean => {
      if (secret) return false;
      if (typeof input === "string") return unstorableTextReason(input) !== null;
      if (Array.isArray(input)) return input.some((item) => expected(item, false));
      if (input && typeof input === "object")
        return Object.entries(input).some(([key, value]) =>
          expected(value, ["password", "token"].includes(key)),
        );
      return false;
    };
    for (let i = 0; i < 2000; i++) {
      const input = build(0);
      expect(unstorableTextIssues(input).length > 0).toBe(expected(input, false));
    }
  });
});
