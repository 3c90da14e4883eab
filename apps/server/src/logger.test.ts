import { describe, expect, it, vi } from "vitest";
import { createLogger, LazyChildLogger } from "./logger.js";

function capture(level = "info") {
  const lines: string[] = [];
  const logger = createLogger(level, {
    destination: { write: (line: string) => lines.push(line) },
  });
  const records = () =>
    lines.map((line) => {
      const { time: _time, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return rest;
    });
  return { logger, records };
}

describe("a request's lazy logger", () => {
  it("makes no child until something is logged through it", () => {
    const { logger } = capture();
    const child = vi.spyOn(logger, "child");
    const lazy = new LazyChildLogger(logger, { reqId: "req-1" }, {});
    expect(lazy.level).toBe("info");
    expect(child).not.toHaveBeenCalled();
    lazy.error("once");
    lazy.warn("twice");
    expect(child).toHaveBeenCalledTimes(1);
  });

  it("writes what the child Fastify would have made writes: the bindings, the redaction, the serializers", () => {
    const eager = capture();
    const lazy = capture();
    // One error for both lines: its stack is part of what is logged.
    const error = Object.assign(new Error("failed"), { sql: "insert 'secret'" });
    const line = (logger: { error: (...args: never[]) => void }) =>
      (logger.error as (object: unknown, message: string) => void)(
        { err: error, user: { password: "hunter2" } },
        "procedure failed",
      );
    line(eager.logger.child({ reqId: "req-1" }, {}));
    line(new LazyChildLogger(lazy.logger, { reqId: "req-1" }, {}));
    const [record] = lazy.records();
    expect(record).toEqual(eager.records()[0]);
    expect(record).toMatchObject({ reqId: "req-1", level: 50, msg: "procedure failed" });
    expect(JSON.stringify(record)).not.toContain("hunter2");
    expect(JSON.stringify(record)).not.toContain("secret");
  });

  it("keeps the level its options give (a route's logLevel) and the parent's otherwise", () => {
    const { logger, records } = capture("info");
    const quiet = new LazyChildLogger(logger, { reqId: "req-2" }, { level: "error" });
    expect(quiet.level).toBe("error");
    quiet.info("not written");
    expect(quiet.isLevelEnabled("info")).toBe(false);
    const loud = new LazyChildLogger(logger, { reqId: "req-3" }, {});
    loud.info("written");
    expect(records()).toEqual([expect.objectContaining({ reqId: "req-3", msg: "written" })]);
    expect(loud.child({ extra: 1 }).bindings()).toEqual({ reqId: "req-3", extra: 1 });
  });
});
