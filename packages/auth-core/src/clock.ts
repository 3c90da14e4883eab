/** The time, as a dependency, so tests can move it instead of sleeping. */
export interface Clock {
  now(): Date;
  nowIso(): string;
  /** Whole seconds since the epoch, as in JWT claims. */
  nowSeconds(): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  nowIso: () => new Date().toISOString(),
  nowSeconds: () => Math.floor(Date.now() / 1000),
};
