const UNITS: readonly { unit: Intl.RelativeTimeFormatUnit; seconds: number }[] = [
  { unit: "year", seconds: 365 * 24 * 60 * 60 },
  { unit: "month", seconds: 30 * 24 * 60 * 60 },
  { unit: "week", seconds: 7 * 24 * 60 * 60 },
  { unit: "day", seconds: 24 * 60 * 60 },
  { unit: "hour", seconds: 60 * 60 },
  { unit: "minute", seconds: 60 },
  { unit: "second", seconds: 1 },
];

// English, as the rest of the CLI's output is.
const numeric = new Intl.RelativeTimeFormat("en", { numeric: "always" });
const now = new Intl.RelativeTimeFormat("en", { numeric: "auto" }).format(0, "second");

/**
 * An ISO time as a person reads it, relative to `reference`: "now",
 * "45 seconds ago", "2 minutes ago", "3 days ago" (whole units, rounded
 * down). Within a few seconds either way (clock skew) it is "now"; a string
 * that is not a time is returned as it is.
 */
export function formatRelativeTime(iso: string, reference: Date): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  const seconds = (time - reference.getTime()) / 1000;
  if (Math.abs(seconds) < 5) return now;
  const { unit, seconds: size } = UNITS.find(
    (candidate) => candidate.unit === "second" || Math.abs(seconds) >= candidate.seconds,
  ) ?? { unit: "second", seconds: 1 };
  return numeric.format(Math.trunc(seconds / size), unit);
}
