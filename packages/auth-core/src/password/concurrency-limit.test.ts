import { describe, expect, it } from "vitest";
import { createConcurrencyLimit, QueueFull } from "./concurrency-limit.js";

describe("concurrency limit", () => {
  it("never runs more than the limit at once, and runs everything", async () => {
    const limit = createConcurrencyLimit(2);
    let running = 0;
    let highest = 0;
    const task = async (value: number) => {
      running += 1;
      highest = Math.max(highest, running);
      await new Promise((resolve) => setTimeout(resolve, 1 + (value % 3)));
      running -= 1;
      return value;
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => limit(() => task(i))));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(highest).toBe(2);
  });

  it("frees the slot when a task fails", async () => {
    const limit = createConcurrencyLimit(1);
    await expect(limit(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limit(async () => "after")).toBe("after");
  });

  it("turns work away at once when the queue is full, and takes it again once there is room", async () => {
    const limit = createConcurrencyLimit(1, 2);
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const admitted = [limit(() => gate), limit(async () => "second"), limit(async () => "third")];
    await expect(limit(async () => "fourth")).rejects.toBeInstanceOf(QueueFull);
    release();
    expect(await Promise.all(admitted)).toEqual([undefined, "second", "third"]);
    expect(await limit(async () => "later")).toBe("later");
  });
});
