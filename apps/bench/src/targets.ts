/** The goals of issue #13 each row is judged against, and the ratios they are stated in. */
import type { Row, Target } from "./report.js";
import { FAILED } from "./rows.js";

/** Share of the ceiling a read row should reach. */
const READ_TARGETS: Record<string, number> = {
  "system.hello": 0.4,
  "auth.verify": 0.3,
  "users.me": 0.3,
  "posts.list": 0.15,
};
/** Share of the bcrypt floor logins and registrations should reach. */
const FLOOR_TARGET = 0.9;
/** system.health while logins saturate the server. */
const HEALTH_P99_MS = 20;
const PEAK_RSS_MB = 150;

const percent = (ratio: number) => `${Math.round(ratio * 100)} %`;

export function judge(rows: Row[]): void {
  const ceiling = rows.find((row) => row.kind === "ceiling")?.rps?.median;
  const floors = new Map<number, number>();
  for (const row of rows)
    if (row.kind === "floor" && row.bcryptCost && row.rps)
      floors.set(row.bcryptCost, row.rps.median);

  for (const row of rows) {
    if (row.kind === "read" && row.rps && ceiling) {
      const ratio = row.rps.median / ceiling;
      row.ratio = { value: ratio, of: "ceiling" };
      const goal = READ_TARGETS[row.name];
      if (goal !== undefined)
        row.target = {
          text: `≥ ${percent(goal)} of ceiling`,
          met: ratio >= goal,
          goal,
          actual: ratio,
        };
    }
    if (row.kind === "write" && row.rps && row.bcryptCost) {
      const floor = floors.get(row.bcryptCost);
      if (floor) {
        const ratio = row.rps.median / floor;
        row.ratio = { value: ratio, of: `floor@${row.bcryptCost}` };
        row.target = {
          text: `≥ ${percent(FLOOR_TARGET)} of floor`,
          met: ratio >= FLOOR_TARGET,
          goal: FLOOR_TARGET,
          actual: ratio,
        };
      }
    }
    if (row.kind === "latency" && row.p99 !== undefined)
      row.target = {
        text: `p99 ≤ ${HEALTH_P99_MS} ms`,
        met: row.p99 <= HEALTH_P99_MS,
        goal: HEALTH_P99_MS,
        actual: row.p99,
      };
  }
}

export function judgeMemory(peakMb: number): Target {
  return {
    text: `≤ ${PEAK_RSS_MB} MB`,
    met: peakMb <= PEAK_RSS_MB,
    goal: PEAK_RSS_MB,
    actual: peakMb,
  };
}

/** Issue #13 also asks for no errors (socket errors, timeouts, non-2xx) in any row. */
export function errorFree(row: Row): boolean | undefined {
  return row.errors === undefined ? undefined : row.errors + (row.non2xx ?? 0) === 0;
}

/** One line: how many targets the run met, and which it missed. */
export function verdict(rows: readonly Row[]): string {
  const judged = rows.filter((row) => row.target);
  const missed = judged.filter((row) => !row.target?.met);
  const erring = rows.filter((row) => errorFree(row) === false);
  const label = (row: Row) => `${row.name}${row.bcryptCost ? ` (cost ${row.bcryptCost})` : ""}`;
  const failed = rows.filter((row) => row.note === FAILED);
  return [
    `Targets (issue #13): ${judged.length - missed.length} of ${judged.length} met`,
    missed.length ? `; missed: ${missed.map(label).join(", ")}` : "",
    `. No errors in any row: ${erring.length ? `✗ (${erring.map(label).join(", ")})` : "✓"}`,
    failed.length ? `; rows that failed to run: ${failed.map(label).join(", ")}` : "",
    ".\n",
  ].join("");
}
