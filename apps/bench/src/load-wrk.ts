/**
 * The preferred load generator: wrk, a C client, so it leaves the cores to the
 * server. Each run writes a small Lua script (method, headers, body, per-request
 * bodies, pacing) to a temp dir and reads wrk's printed summary back.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type LoadGenerator, type LoadSpec, nextRunId, type RunStats } from "./load.js";

const THREADS = 1;

/** wrk's version when it is on PATH. */
function wrkVersion(): string | undefined {
  const result = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  if (result.error) return undefined;
  return /wrk (\S+)/.exec(`${result.stdout}${result.stderr}`)?.[1] ?? "(unknown version)";
}

export function wrkGenerator(): LoadGenerator | undefined {
  const version = wrkVersion();
  return version === undefined
    ? undefined
    : { description: `wrk ${version}, -t${THREADS}`, run: runWrk };
}

async function runWrk(spec: LoadSpec, seconds: number): Promise<RunStats> {
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-wrk-"));
  try {
    const script = join(dir, "request.lua");
    writeFileSync(script, luaScript(spec, nextRunId()));
    const { stdout } = await promisify(execFile)("wrk", [
      `-t${Math.min(THREADS, spec.connections)}`,
      `-c${spec.connections}`,
      `-d${seconds}s`,
      "--timeout=30s",
      "--latency",
      `--script=${script}`,
      spec.url,
    ]);
    return parseWrkOutput(stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Lua string literal: printable ASCII as is, every other byte as a \ddd escape. */
function lua(text: string): string {
  let literal = "";
  for (const byte of Buffer.from(text, "utf8"))
    literal +=
      byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c
        ? String.fromCharCode(byte)
        : `\\${byte.toString().padStart(3, "0")}`;
  return `"${literal}"`;
}

/**
 * The script for one run. A request() function is defined only when bodies vary
 * (wrk then builds every request in Lua); a unique body's `{id}` becomes
 * run_thread_counter, so no two requests of the process share it.
 */
export function luaScript(spec: LoadSpec, runId: string): string {
  const lines = [`wrk.method = ${lua(spec.method ?? "GET")}`];
  for (const [name, value] of Object.entries(spec.headers ?? {}))
    lines.push(`wrk.headers[${lua(name)}] = ${lua(value)}`);
  if (spec.body !== undefined) lines.push(`wrk.body = ${lua(spec.body)}`);
  if (spec.bodies || spec.uniqueBody !== undefined) {
    lines.push(
      "local threads = 0",
      'function setup(thread) threads = threads + 1; thread:set("thread_id", threads) end',
      "local sent = 0",
    );
    if (spec.bodies)
      lines.push(
        `local bodies = { ${spec.bodies.map(lua).join(", ")} }`,
        "function request()",
        "  sent = sent + 1",
        "  return wrk.format(nil, nil, nil, bodies[(sent + thread_id) % #bodies + 1])",
        "end",
      );
    else
      lines.push(
        `local template = ${lua(spec.uniqueBody as string)}`,
        "function request()",
        "  sent = sent + 1",
        `  local body = template:gsub("{id}", ${lua(`${runId}_`)} .. thread_id .. "_" .. sent)`,
        "  return wrk.format(nil, nil, nil, body)",
        "end",
      );
  }
  // wrk cannot cap a rate; each connection pauses so that together they send at most `rate`/s.
  if (spec.rate) lines.push(`function delay() return ${(spec.connections * 1000) / spec.rate} end`);
  return `${lines.join("\n")}\n`;
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "452.00us", "1.91ms", "5.00s" (wrk pads this one with a space) → milliseconds. */
function milliseconds(value: string, unit: string): number {
  return Number(value) * (TIME_UNITS[unit] ?? Number.NaN);
}

function field(text: string, pattern: RegExp, what: string): RegExpExecArray {
  const match = pattern.exec(text);
  if (!match) throw new Error(`no ${what} in wrk's output:\n${text}`);
  return match;
}

/** wrk's summary (with --latency) as a run's stats; the error lines appear only when non-zero. */
export function parseWrkOutput(text: string): RunStats {
  const [, total, time, timeUnit] = field(
    text,
    /(\d+) requests in ([\d.]+)(us|ms|s|m|h),/,
    "request count",
  );
  const percentile = (p: number) => {
    const [, value, unit] = field(
      text,
      new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, "m"),
      `${p}% latency`,
    );
    return milliseconds(value as string, unit as string);
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    seconds: milliseconds(time as string, timeUnit as string) / 1000,
    rps: Number(field(text, /Requests\/sec:\s+([\d.]+)/, "Requests/sec")[1]),
    total: Number(total),
    p50: percentile(50),
    p99: percentile(99),
    errors: socket ? socket.slice(1).reduce((sum, count) => sum + Number(count), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0),
  };
}
