import {
  createTestDatabase,
  type DatabaseTarget,
  databaseTargets,
  type TestDatabase,
} from "@warden/auth-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LOG_LEVEL,
  type LoggedTestServer,
  startLoggedTestServer,
} from "../testing/logged-test-server.js";
import { startTcpProxy, type TcpProxy } from "../testing/tcp-proxy.js";
import { postForm, registerAndLogin, type TrpcResult, trpc } from "../testing/test-server.js";

/** No request may take longer than this, outage or not: a bound on hanging, not a latency goal. */
const HANG_BOUND_MS = 10_000;
const PASSWORD = "tangerine-orbit-47";
const WORKERS = 4;
const MAX_ITERATIONS = 400;
/** Each worker starts a registration at most this often. */
const PACE_MS = 150;

// SQLite is a file the process opens itself: there is no connection to cut.
describe.skip("a database outage [sqlite] (skipped: SQLite has no network connection to cut)", () => {
  it("keeps the process up and answers 503", () => {});
});

for (const target of databaseTargets()) {
  if (target.dialect === "sqlite") continue;
  if (target.serverUrl === undefined) {
    describe.skip(`a database outage [${target.dialect}] (skipped: ${target.skipReason})`, () => {
      it("keeps the process up and answers 503", () => {});
    });
    continue;
  }
  describe(`a database outage [${target.dialect}]`, () => outageSuite(target));
}

interface Outcome {
  readonly path: "auth.register" | "auth.login";
  readonly username: string;
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfter: string | null;
  readonly startedAt: number;
  readonly endedAt: number;
}

function outageSuite(target: DatabaseTarget): void {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let server: LoggedTestServer;
  const outcomes: Outcome[] = [];
  let cutAt = 0;
  let restoredAt = 0;

  beforeAll(async () => {
    database = await createTestDatabase(target);
    const direct = new URL(database.url);
    proxy = await startTcpProxy({
      host: direct.hostname,
      port: Number(direct.port || (target.dialect === "postgres" ? 5432 : 3306)),
    });
    const proxied = new URL(database.url);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    // The server reaches the database only through the proxy; the test reads it directly.
    server = await startLoggedTestServer(database, {
      DATABASE_URL: proxied.toString(),
      REGISTER_RATE_LIMIT: "off",
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await database?.drop();
  }, 60_000);

  const register = async (username: string): Promise<Outcome> => {
    const startedAt = Date.now();
    const result = await trpc(server, "auth.register", {
      input: {
        username,
        email: `${username}@example.com`,
        name: `Name ${username}`,
        password: PASSWORD,
      },
    });
    return outcomeOf("auth.register", username, result, startedAt);
  };
  const login = async (username: string): Promise<Outcome> => {
    const startedAt = Date.now();
    const result = await trpc(server, "auth.login", { input: { username, password: PASSWORD } });
    return outcomeOf("auth.login", username, result, startedAt);
  };

  it("cut mid-load: the process stays up, requests that need the database answer 503 fast, reads from memory still answer", async () => {
    const known = await registerAndLogin(server);
    const load = startLoad(WORKERS, MAX_ITERATIONS, async (username) => {
      const registered = await register(username);
      outcomes.push(registered);
      if (registered.status === 200) outcomes.push(await login(username));
    });
    let probes: OutageProbes;
    try {
      await sleep(1500);
      await proxy.cut();
      cutAt = Date.now();
      await sleep(300);
      probes = await probeOutage(server, known);
      await sleep(2500);
      probes.healthzLate = (await fetch(`${server.url}/healthz`)).status;
      restoredAt = Date.now();
      await proxy.restore();
      await sleep(2000);
    } finally {
      // Whatever failed above, the database comes back and the load ends before the server does.
      if (restoredAt === 0) {
        restoredAt = Date.now();
        await proxy.restore();
      }
      await load.stop();
    }

    // The process answered throughout, and knew it was not ready.
    expect(probes.healthz).toBe(200);
    expect(probes.healthzLate).toBe(200);
    expect(probes.readyz.status).toBe(503);
    expect(probes.readyz.body).toMatchObject({ status: "unavailable" });
    expect(probes.readyz.ms).toBeLessThan(HANG_BOUND_MS);
    // What needs no database still answered.
    expect(probes.hello).toBe(200);
    expect(probes.jwks).toBe(200);
    // tRPC: 503 SERVICE_UNAVAILABLE with Retry-After, and no driver text.
    expect(probes.changePassword.status, probes.changePassword.raw).toBe(503);
    expect(probes.changePassword.error?.data.code).toBe("SERVICE_UNAVAILABLE");
    expect(probes.changePassword.error?.data.retryAfter).toBeGreaterThan(0);
    expect(probes.changePassword.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(probes.changePassword.raw).not.toMatch(
      /connect|terminated|ECONN|timeout|select|update/i,
    );
    // A GET query answered by the fast path (src/http/query-fast-path.ts) too.
    expect(probes.me.status, probes.me.raw).toBe(503);
    expect(probes.me.error?.data.code, probes.me.raw).toBe("SERVICE_UNAVAILABLE");
    expect(probes.me.headers.get("retry-after")).toMatch(/^\d+$/);
    // OAuth: RFC 6749's temporarily_unavailable, as a 503.
    expect(probes.token.status).toBe(503);
    expect(probes.token.body).toEqual({
      error: "temporarily_unavailable",
      error_description: expect.any(String),
    });
    expect(probes.token.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(probes.token.headers.get("cache-control")).toBe("no-store");

    // The load: only 200 and 503, none slower than the hang bound.
    const unexpected = outcomes.filter((o) => o.status !== 200 && o.status !== 503);
    expect(unexpected).toEqual([]);
    const slowest = Math.max(...outcomes.map((o) => o.endedAt - o.startedAt));
    expect(slowest).toBeLessThan(HANG_BOUND_MS);
    const refused = outcomes.filter((o) => o.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const o of refused) {
      expect(o.code).toBe("SERVICE_UNAVAILABLE");
      expect(o.retryAfter).toMatch(/^\d+$/);
    }
    // Each request of the load needs the database: none that ran wholly inside the outage succeeded.
    const inside = outcomes.filter((o) => o.startedAt > cutAt && o.endedAt < restoredAt);
    expect(inside.length).toBeGreaterThan(0);
    expect(inside.filter((o) => o.status !== 503)).toEqual([]);
    expect(outcomes.filter((o) => o.status === 200 && o.endedAt < cutAt).length).toBeGreaterThan(0);
    expect(
      outcomes.filter((o) => o.status === 200 && o.startedAt > restoredAt).length,
    ).toBeGreaterThan(0);

    const registrations = outcomes.filter((o) => o.path === "auth.register");
    const refusedMs = refused.map((o) => o.endedAt - o.startedAt).sort((a, b) => a - b);
    console.info(
      `[${target.dialect}] ${registrations.length} registrations (${registrations.filter((o) => o.status === 200).length} answered 200), ` +
        `${outcomes.length - registrations.length} logins; ${refused.length} answered 503, ` +
        `503 latency median ${refusedMs[Math.floor(refusedMs.length / 2)]} ms, max ${refusedMs.at(-1)} ms; ` +
        `slowest request of the run ${slowest} ms; /readyz answered 503 in ${probes.readyz.ms} ms`,
    );
  }, 60_000);

  it("once the database is back, Warden serves again without a restart", async () => {
    expect(restoredAt).toBeGreaterThan(0);
    const deadline = Date.now() + 15_000;
    let ready = 0;
    while (Date.now() < deadline) {
      ready = (await fetch(`${server.url}/readyz`)).status;
      if (ready === 200) break;
      await sleep(200);
    }
    expect(ready).toBe(200);
    const fresh = await registerAndLogin(server);
    expect(
      (await trpc(server, "users.me", { query: true, token: fresh.tokens.accessToken })).status,
    ).toBe(200);
    const token = await postForm(server, "/oauth/token", {
      grant_type: "password",
      username: fresh.user.username,
      password: fresh.password,
    });
    expect(token.status).toBe(200);
  });

  it("every registration that answered 200 is in the database", async () => {
    const registered = outcomes
      .filter((o) => o.path === "auth.register" && o.status === 200)
      .map((o) => o.username);
    expect(registered.length).toBeGreaterThan(0);
    const rows = await database.database.db
      .selectFrom("users")
      .select("username")
      .where("username", "in", registered)
      .execute();
    expect(new Set(rows.map((row) => row.username))).toEqual(new Set(registered));
  });

  it("the outage is logged once when it starts and once when it ends", () => {
    const records = server.records();
    const lost = records.filter((r) => r.msg?.startsWith("database unreachable"));
    const back = records.filter((r) => r.msg?.startsWith("database reachable again"));
    expect(lost).toHaveLength(1);
    expect(lost[0]?.level).toBe(LOG_LEVEL.error);
    expect(lost[0]?.err).toMatchObject({ message: expect.any(String) });
    expect(back).toHaveLength(1);
    expect(back[0]?.level).toBe(LOG_LEVEL.info);
    // A refused request is a 503, not a failure of Warden's: no error line per request.
    const others = records.filter(
      (r) => r.level >= LOG_LEVEL.error && !r.msg?.startsWith("database unreachable"),
    );
    expect(others).toEqual([]);
  });
}

function outcomeOf(
  path: Outcome["path"],
  username: string,
  result: TrpcResult,
  startedAt: number,
): Outcome {
  return {
    path,
    username,
    status: result.status,
    code: result.error?.data.code,
    retryAfter: result.headers.get("retry-after"),
    startedAt,
    endedAt: Date.now(),
  };
}

interface OutageProbes {
  healthz: number;
  healthzLate?: number;
  readyz: { status: number; ms: number; body: unknown };
  hello: number;
  jwks: number;
  me: TrpcResult;
  changePassword: TrpcResult;
  token: Awaited<ReturnType<typeof postForm>>;
}

/** One request of each kind while the database is cut; asserted once the load has ended. */
async function probeOutage(
  server: LoggedTestServer,
  known: Awaited<ReturnType<typeof registerAndLogin>>,
): Promise<OutageProbes> {
  const healthz = (await fetch(`${server.url}/healthz`)).status;
  const readyStarted = Date.now();
  const readyResponse = await fetch(`${server.url}/readyz`);
  const readyz = {
    status: readyResponse.status,
    ms: Date.now() - readyStarted,
    body: await readyResponse.json(),
  };
  const hello = (await trpc(server, "system.hello", { query: true, input: { name: "outage" } }))
    .status;
  const jwks = (await fetch(`${server.url}/.well-known/jwks.json`)).status;
  const me = await trpc(server, "users.me", { query: true, token: known.tokens.accessToken });
  const changePassword = await trpc(server, "users.changePassword", {
    token: known.tokens.accessToken,
    input: { currentPassword: known.password, newPassword: "another-orbit-48" },
  });
  const token = await postForm(server, "/oauth/token", {
    grant_type: "password",
    username: known.user.username,
    password: known.password,
  });
  return { healthz, readyz, hello, jwks, me, changePassword, token };
}

/** `workers` loops calling `step` with a fresh username, `iterations` calls at most in all, until stopped. */
function startLoad(
  workers: number,
  iterations: number,
  step: (username: string) => Promise<void>,
): { stop(): Promise<void> } {
  let stopped = false;
  let started = 0;
  const worker = async (id: number) => {
    while (!stopped && started < iterations) {
      started += 1;
      const began = Date.now();
      await step(`o${id}_${started}_${Math.random().toString(36).slice(2, 8)}`);
      // Paced, so that fast 503s do not spend the whole budget inside the outage.
      await sleep(Math.max(0, PACE_MS - (Date.now() - began)));
    }
  };
  const running = Promise.all(Array.from({ length: workers }, (_, id) => worker(id)));
  return {
    async stop() {
      stopped = true;
      await running;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
