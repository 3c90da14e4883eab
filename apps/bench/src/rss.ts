/** Samples a process's resident memory from /proc (Linux). */
import { readFileSync } from "node:fs";

export interface MemorySample {
  /** Current resident set, MB. */
  readonly rssMb: number;
  /** Peak resident set since the process started (VmHWM), MB. */
  readonly hwmMb: number;
}

export function readMemory(pid: number): MemorySample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
      return match ? Number(match[1]) / 1024 : Number.NaN;
    };
    return { rssMb: field("VmRSS"), hwmMb: field("VmHWM") };
  } catch {
    return undefined;
  }
}

export interface RssSampler {
  /** Stops sampling; the highest VmRSS seen and the VmHWM at the end, MB. */
  stop(): { peakRssMb: number; hwmMb: number; samples: number };
}

export function sampleRss(pid: number, everyMs = 200): RssSampler {
  let peak = 0;
  let samples = 0;
  const take = () => {
    const sample = readMemory(pid);
    if (!sample) return;
    samples++;
    peak = Math.max(peak, sample.rssMb);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peakRssMb: peak, hwmMb: readMemory(pid)?.hwmMb ?? Number.NaN, samples };
    },
  };
}
