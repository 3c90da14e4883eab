/** The results: a markdown table for people, JSON for machines. */
import type { RunStats } from "./load.js";
import type { Spread } from "./stats.js";
import { errorFree, verdict } from "./targets.js";

export interface Target {
  readonly text: string;
  readonly met: boolean;
  /** The bound, and the measured figure held against it, in one unit (a ratio, ms or MB). */
  readonly goal: number;
  readonly actual: number;
}

export type RowKind = "ceiling" | "read" | "write" | "floor" | "latency" | "memory";

export interface Row {
  readonly name: string;
  readonly kind: RowKind;
  readonly connections?: number;
  readonly bcryptCost?: number;
  readonly rps?: Spread;
  /** Medians over the measured runs, ms. */
  readonly p50?: number;
  readonly p99?: number;
  /** Summed over the measured runs. */
  readonly errors?: number;
  readonly non2xx?: number;
  ratio?: { readonly value: number; readonly of: string };
  target?: Target;
  readonly note?: string;
  /** CPU used by other work on the machine during the row, % of all cores. */
  otherCpuPercent?: number | undefined;
  readonly runs?: readonly RunStats[];
}

export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly node: string;
  readonly platform: string;
  readonly memoryGb: number;
  readonly loadAverage: readonly number[];
  /** CPU busy (all cores, %) over 1 s before the run, with the benchmark idle. */
  readonly backgroundCpuPercent: number | undefined;
}

export interface Report {
  readonly date: string;
  readonly machine: Machine;
  readonly database: string;
  /** The load generator and how it was run, e.g. "wrk 4.1.0, -t1". */
  readonly generator: string;
  readonly plan: { warmupSeconds: number; runSeconds: number; runs: number };
  readonly connections: { read: number; login: number };
  readonly rows: readonly Row[];
  readonly durationSeconds: number;
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

function rate(value: number): string {
  return value >= 100 ? integer.format(value) : oneDecimal.format(value);
}

function cell(value: number | undefined, format: (n: number) => string): string {
  return value === undefined || Number.isNaN(value) ? "" : format(value);
}

export function header(report: Report): string {
  const { machine, plan } = report;
  return [
    `Warden benchmark, ${report.date}: ${machine.cores} cores (os.availableParallelism()), ` +
      `${machine.cpu}, Node ${machine.node}, ${machine.platform}, ${machine.memoryGb} GB RAM; ` +
      `load average at start ${machine.loadAverage.map((n) => n.toFixed(2)).join(" ")}; ` +
      `CPU already busy before the run (other work on the machine): ${
        machine.backgroundCpuPercent === undefined
          ? "unknown"
          : `${machine.backgroundCpuPercent.toFixed(0)} %`
      }.`,
    `Database: ${report.database}. Each row: ${plan.warmupSeconds} s warm-up, then ${plan.runs} ` +
      `runs of ${plan.runSeconds} s (load generator: ${report.generator}; ${report.connections.read} ` +
      `connections for reads, ${report.connections.login} for logins/registrations). ` +
      `Total ${Math.round(report.durationSeconds)} s. "others' CPU": the share of all cores ` +
      "used during the row by processes other than the benchmark, the server and the ceiling.",
  ].join("\n");
}

export function markdown(report: Report): string {
  const lines = [
    "| row | req/s (median) | range (min–max) | p50 ms | p99 ms | errors / non-2xx | ratio | target | others' CPU |",
    "|---|---:|---:|---:|---:|---:|---:|---|---:|",
  ];
  for (const row of report.rows) {
    const name = `${row.name}${row.note ? ` (${row.note})` : ""}`;
    const rps = row.rps ? rate(row.rps.median) : "";
    const range = row.rps ? `${rate(row.rps.min)}–${rate(row.rps.max)}` : "";
    const errors =
      row.errors === undefined
        ? ""
        : `${errorFree(row) ? "✓" : "✗"} ${integer.format(row.errors)} / ${integer.format(row.non2xx ?? 0)}`;
    // One decimal, so that 29.96 % does not read as meeting a 30 % target.
    const ratio = row.ratio
      ? `${oneDecimal.format(row.ratio.value * 100)} % of ${row.ratio.of}`
      : "";
    const target = row.target ? `${row.target.met ? "✓" : "✗"} ${row.target.text}` : "";
    lines.push(
      `| ${name} | ${rps} | ${range} | ${cell(row.p50, oneDecimal.format)} | ` +
        `${cell(row.p99, oneDecimal.format)} | ${errors} | ${ratio} | ${target} | ` +
        `${cell(row.otherCpuPercent, (n) => `${Math.round(n)} %`)} |`,
    );
  }
  return `${header(report)}\n\n${lines.join("\n")}\n\n${verdict(report.rows)}`;
}

export function json(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
