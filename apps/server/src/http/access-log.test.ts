import type { FastifyReply, FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { createAccessLogger, createLogger } from "../logger.js";
import { logRequest } from "./access-log.js";

function capture(level: string) {
  const lines: string[] = [];
  const logger = createLogger(level, {
    destination: { write: (line: string) => lines.push(line) },
  });
  return {
    logger,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const request = { id: "req-1", method: "GET", url: "/trpc/system.hello?input=secret" };
const reply = { statusCode: 200, elapsedTime: 1.234 };

describe("the access log", () => {
  it("writes one line to the server's destination: method, path without its query, status, ms, request id", () => {
    const { logger, records } = capture("info");
    logger.info("before");
    logRequest(
      createAccessLogger(logger),
      request as FastifyRequest,
      reply as unknown as FastifyReply,
    );
    expect(records()).toEqual([
      expect.objectContaining({ msg: "before" }),
      expect.objectContaining({
        level: 30,
        msg: "request",
        reqId: "req-1",
        method: "GET",
        path: "/trpc/system.hello",
        status: 200,
        ms: 1.2,
      }),
    ]);
    expect(JSON.stringify(records())).not.toContain("secret");
  });

  it("follows the server's level: nothing below info", () => {
    const { logger, records } = capture("warn");
    logRequest(
      createAccessLogger(logger),
      request as FastifyRequest,
      reply as unknown as FastifyReply,
    );
    expect(records()).toEqual([]);
  });
});
