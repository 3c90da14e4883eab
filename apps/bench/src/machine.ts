/** What the numbers were measured on, including how busy the machine already was. */
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import type { Machine } from "./report.js";

export function cpuTicks(): { busy: number; total: number } | undefined {
  try {
    const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Share of all cores busy over `ms` while this process waits: other people's work. */
export async function backgroundCpuPercent(ms = 1000): Promise<number | undefined> {
  const before = cpuTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = cpuTicks();
  if (!before || !after || after.total === before.total) return undefined;
  return (100 * (after.busy - before.busy)) / (after.total - before.total);
}

export async function describeMachine(): Promise<Machine> {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? "unknown CPU",
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    loadAverage: loadavg(),
    backgroundCpuPercent: await backgroundCpuPercent(),
  };
}

/**
 * CPU ticks (1/100 s) a process has used, all threads, plus with `reaped` its
 * children that have exited (e.g. each wrk run); 0 once it is gone.
 */
function processTicks(pid: number, reaped = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const own = Number(fields[11]) + Number(fields[12]); // utime + stime
    return reaped ? own + Number(fields[13]) + Number(fields[14]) : own; // + cutime + cstime
  } catch {
    return 0;
  }
}

/** This process, the load generators it ran, and `pids` (the servers). */
function ownTicks(pids: readonly number[]): number {
  return processTicks(process.pid, true) + pids.reduce((sum, pid) => sum + processTicks(pid), 0);
}

/**
 * Starts counting the CPU that other people's work uses (all of the machine's
 * busy time minus this process and `pids`); stop() gives it as % of all cores.
 */
export function watchOtherCpu(pids: readonly number[]): () => number | undefined {
  const machineBefore = cpuTicks();
  const ownBefore = ownTicks(pids);
  return () => {
    const machineAfter = cpuTicks();
    if (!machineBefore || !machineAfter || machineAfter.total === machineBefore.total)
      return undefined;
    const others = machineAfter.busy - machineBefore.busy - (ownTicks(pids) - ownBefore);
    return Math.max(0, (100 * others) / (machineAfter.total - machineBefore.total));
  };
}
