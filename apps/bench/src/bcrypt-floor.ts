/**
 * The bcrypt floor: the most logins per second the machine could do if
 * every core did nothing but hash, i.e. cores ÷ the time of one hash.
 */
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { hash } from "@node-rs/bcrypt";
import { type Spread, spread } from "./stats.js";

export interface BcryptFloor {
  readonly cost: number;
  readonly cores: number;
  /** Milliseconds per hash, over the samples. */
  readonly hashMs: Spread;
  /** Hashes per second for all cores: cores ÷ hash time (median, and from the slowest/fastest hash). */
  readonly perSecond: Spread;
}

export async function measureBcryptFloor(cost: number, samples: number): Promise<BcryptFloor> {
  const cores = availableParallelism();
  await hash("warm-up-password", { cost }); // loads the native code
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await hash(`floor-password-${i}`, { cost });
    times.push(performance.now() - start);
  }
  const hashMs = spread(times);
  return {
    cost,
    cores,
    hashMs,
    perSecond: {
      median: (cores * 1000) / hashMs.median,
      min: (cores * 1000) / hashMs.max,
      max: (cores * 1000) / hashMs.min,
    },
  };
}
