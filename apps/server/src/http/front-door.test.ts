import type { IncomingMessage } from "node:http";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { clientIpOf, requestIdSequence } from "./front-door.js";

describe("the front door's client IP", () => {
  // Each setting as server.ts gives it to Fastify, and what the door reads for the same request.
  const settings: [string, boolean | string[] | ((address: string, hop: number) => boolean)][] = [
    ["off", false],
    ["trusted proxy list", ["10.0.0.1", "192.168.0.0/16"]],
    ["one hop", (_address, hop) => hop < 1],
    ["two hops", (_address, hop) => hop < 2],
  ];
  const requests: [string, string | undefined][] = [
    ["10.0.0.1", "203.0.113.7"],
    ["10.0.0.1", "198.51.100.1, 203.0.113.7"],
    ["192.168.4.4", "198.51.100.1, 10.0.0.1"],
    ["203.0.113.9", "198.51.100.1"],
    ["10.0.0.1", undefined],
  ];

  for (const [name, trustProxy] of settings) {
    it(`is Fastify's request.ip with trustProxy ${name}`, async () => {
      const app = Fastify({ trustProxy });
      app.get("/", async (request) => request.ip);
      const door = clientIpOf(trustProxy);
      for (const [remoteAddress, forwardedFor] of requests) {
        const headers = forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor };
        const byFastify = await app.inject({ url: "/", remoteAddress, headers });
        const raw = { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
        expect(door(raw), `${remoteAddress} ${forwardedFor}`).toBe(byFastify.body);
      }
      await app.close();
    });
  }
});

describe("the request id sequence", () => {
  it("counts as Fastify's default does: req-1, req-2, … in base 36", () => {
    const next = requestIdSequence();
    const ids = Array.from({ length: 40 }, () => next());
    expect(ids.slice(0, 3)).toEqual(["req-1", "req-2", "req-3"]);
    expect(ids[35]).toBe("req-10");
    expect(new Set(ids).size).toBe(40);
  });
});
