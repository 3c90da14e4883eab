import { afterEach, describe, expect, it, vi } from "vitest";
import type { CliContext, GlobalOptions } from "../context.js";
import { listSessions } from "./sessions.js";

const NOW = new Date("2026-06-15T12:00:00.000Z");
const SESSIONS = [
  {
    id: "s-1",
    createdAt: "2026-06-12T11:00:00.000Z",
    lastUsedAt: "2026-06-15T11:58:00.000Z",
    userAgent: "warden-cli/0.1.0",
    ip: "127.0.0.1",
    current: true,
  },
  {
    id: "s-2",
    createdAt: "2026-06-15T11:59:59.000Z",
    lastUsedAt: "2026-06-15T11:59:59.000Z",
    userAgent: null,
    ip: null,
    current: false,
  },
];

/** A context with a fixed clock, stored credentials and a client answering `sessions.list`. */
function contextFor(options: GlobalOptions): { ctx: CliContext; printed: () => string } {
  let out = "";
  const ctx = {
    server: "http://warden.test",
    options,
    now: () => NOW,
    store: { get: async () => ({ accessToken: "a", refreshToken: "r" }) },
    client: { sessions: { list: { query: async () => SESSIONS } } },
    print(output: unknown, text: () => string) {
      out += options.json ? `${JSON.stringify(output, null, 2)}\n` : `${text()}\n`;
    },
  } as unknown as CliContext;
  return { ctx, printed: () => out };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("warden sessions", () => {
  it("shows the times relative to the context's clock, not the wall clock", async () => {
    // The wall clock is years away: only the injected one may count.
    vi.useFakeTimers({ now: new Date("2031-01-01T00:00:00.000Z"), toFake: ["Date"] });
    const { ctx, printed } = contextFor({});
    await listSessions(ctx);
    expect(printed().split("\n")).toEqual([
      "   ID   CREATED     LAST USED      IP         USER AGENT",
      "*  s-1  3 days ago  2 minutes ago  127.0.0.1  warden-cli/0.1.0",
      "   s-2  now         now",
      "",
    ]);
  });

  it("keeps the ISO times with --json", async () => {
    const { ctx, printed } = contextFor({ json: true });
    await listSessions(ctx);
    expect(JSON.parse(printed())).toEqual(SESSIONS);
  });
});
