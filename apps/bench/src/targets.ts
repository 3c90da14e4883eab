/** The goals each row is judged against, and the ratios they are stated in. */
import type { Row } from "./report.js";

/** Share of the ceiling a read row should reach. */
const READ_TARGETS: Record<string, number> = {
  "auth.verify": 0.6,
  "users.me": 0.5,
  "posts.list": 0.35,
};
/** Share of the bcrypt floor logins and registrations should reach. */
const FLOOR_TARGET = 0.9;
const HEALTH_P99_MS = 20;
const PEAK_RSS_MB = 150;

export function judge(rows: Row[]): void {
  const ceiling = rows.find((row) => row.kind === "ceiling")?.rps?.median;
  const floors = new Map<number, number>();
  for (const row of rows)
    if (row.kind === "floor" && row.bcryptCost && row.rps)
      floors.set(row.bcryptCost, row.rps.median);

  for (const row of rows) {
    if (row.kind === "read" && row.rps && ceiling) {
      row.ratio = { value: row.rps.median / ceiling, of: "ceiling" };
      const goal = READ_TARGETS[row.name];
      if (goal !== undefined)
        row.target = {
          text: `≥ ${goal * 100} % of ceiling`,
          met: row.rps.median >= goal * ceiling,
        };
    }
    if (row.kind === "write" && row.rps && row.bcryptCost) {
      const floor = floors.get(row.bcryptCost);
      if (floor) {
        row.ratio = { value: row.rps.median / floor, of: `floor@${row.bcryptCost}` };
        row.target = {
          text: `≥ ${FLOOR_TARGET * 100} % of floor`,
          met: row.rps.median >= FLOOR_TARGET * floor,
        };
      }
    }
    if (row.kind === "latency" && row.p99 !== undefined)
      row.target = { text: `p99 ≤ ${HEALTH_P99_MS} ms`, met: row.p99 <= HEALTH_P99_MS };
  }
}

export function judgeMemory(peakMb: number): { text: string; met: boolean } {
  return { text: `≤ ${PEAK_RSS_MB} MB`, met: peakMb <= PEAK_RSS_MB };
}
