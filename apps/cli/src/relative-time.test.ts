import { describe, expect, it } from "vitest";
import { formatRelativeTime } from "./relative-time.js";

const NOW = new Date("2026-06-15T12:00:00.000Z");
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

describe("formatRelativeTime", () => {
  it("says how long ago, in the largest whole unit", () => {
    expect(formatRelativeTime(ago(0), NOW)).toBe("now");
    expect(formatRelativeTime(ago(4), NOW)).toBe("now");
    expect(formatRelativeTime(ago(45), NOW)).toBe("45 seconds ago");
    expect(formatRelativeTime(ago(60), NOW)).toBe("1 minute ago");
    expect(formatRelativeTime(ago(2 * 60 + 59), NOW)).toBe("2 minutes ago");
    expect(formatRelativeTime(ago(5 * 3600 + 10), NOW)).toBe("5 hours ago");
    expect(formatRelativeTime(ago(3 * 86_400 + 3600), NOW)).toBe("3 days ago");
    expect(formatRelativeTime(ago(15 * 86_400), NOW)).toBe("2 weeks ago");
    expect(formatRelativeTime(ago(70 * 86_400), NOW)).toBe("2 months ago");
    expect(formatRelativeTime(ago(800 * 86_400), NOW)).toBe("2 years ago");
  });

  it("reads a little clock skew as now, and more as the future", () => {
    expect(formatRelativeTime(ago(-3), NOW)).toBe("now");
    expect(formatRelativeTime(ago(-120), NOW)).toBe("in 2 minutes");
  });

  it("leaves a string that is not a time as it is", () => {
    expect(formatRelativeTime("", NOW)).toBe("");
    expect(formatRelativeTime("soon", NOW)).toBe("soon");
  });
});
