#!/usr/bin/env node
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  createTestDatabase,
  type DatabaseTarget,
  databaseTargets,
} from "@warden/auth-core/testing";
import { type SpawnedServer, spawnWardenServer } from "@warden/server/testing";
import { measureBcryptFloor } from "./bcrypt-floor.js";
import { startCeilingServer } from "./ceiling-server.js";
import {
  type LoadSpec,
  loadGenerator,
  type Plan,
  probe,
  type RunStats,
  repeat,
  runLoad,
} from "./load.js";
import { describeMachine, watchOtherCpu } from "./machine.js";
import { profileMarkdown, summarizeCpuProfile } from "./profile.js";
import { json, markdown, type Report, type Row, type RowKind } from "./report.js";
/**
 * `pnpm bench`: throughput and latency of Warden against a bare node:http
 * ceiling and the bcrypt floor, on 127.0.0.1. See RESULTS.md for the latest numbers.
 *
 *   --quick              1 s warm-up and 1 s runs
 *   --json               JSON instead of a markdown table
 *   --db sqlite|postgres PostgreSQL from TEST_POSTGRES_URL (a fresh database, dropped after)
 *   --only ROW[,ROW]     just these rows (repeatable; ids or printed names, see --help)
 *   --svg FILE           also draw the run as a bar chart (standalone SVG)
 *   --profile            instead of the table: CPU-profile one Warden under auth.verify + users.me
 *                        (under the read rows --only names, when it names any)
 *
 * Load comes from wrk when it is on PATH, autocannon otherwise; the header says which.
 */
import { describeRevocationCheck, measureRevocationCheck } from "./revocation-check.js";
import { FAILED, READ_ROWS, ROWS, type RowId, rowList, selectRows, WRITE_ROWS } from "./rows.js";
import { sampleRss } from "./rss.js";
import {
  healthSpec,
  loginSpec,
  passwordGrantSpec,
  readScenarios,
  registerSpec,
} from "./scenarios.js";
import { seedPosts, seedUser, uniqueName } from "./seed.js";
import { median, spread, sum } from "./stats.js";
import { svgChart } from "./svg-chart.js";
import { judge, judgeMemory } from "./targets.js";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    db: { type: "string", default: "sqlite" },
    warmup: { type: "string" },
    duration: { type: "string" },
    runs: { type: "string" },
    connections: { type: "string", default: "50" },
    "login-connections": { type: "string", default: "8" },
    only: { type: "string", multiple: true },
    svg: { type: "string" },
    profile: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (args.help) {
  process.stdout.write(
    "usage: pnpm bench [--quick] [--json] [--db sqlite|postgres] [--warmup S] [--duration S]\n" +
      "                  [--runs N] [--connections N] [--login-connections N]\n" +
      "                  [--only ROW[,ROW]]... [--svg FILE] [--profile]\n" +
      `rows (--only takes the id or the printed name):\n${rowList()}\n`,
  );
  process.exit(0);
}
const { selected, unknown } = selectRows(args.only);
if (unknown.length > 0) {
  process.stderr.write(`bench: no row named ${unknown.join(", ")}; the rows are:\n${rowList()}\n`);
  process.exit(2);
}
const wants = (...ids: RowId[]) => ids.some((id) => selected.has(id));
if (args.db !== "sqlite" && args.db !== "postgres") {
  process.stderr.write(`bench: --db must be sqlite or postgres, not ${args.db}\n`);
  process.exit(2);
}

const plan: Plan = {
  warmupSeconds: Number(args.warmup ?? (args.quick ? 1 : 3)),
  runSeconds: Number(args.duration ?? (args.quick ? 1 : 5)),
  runs: Number(args.runs ?? 3),
};
const readConnections = Number(args.connections);
const loginConnections = Number(args["login-connections"]);
const databaseKind = args.db as "sqlite" | "postgres";
/** Where --db postgres creates its fresh database when TEST_POSTGRES_URL is not set. */
const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";
/** Enough users that no single account sees all the traffic; successes never lock one anyway. */
const LOGIN_USERS = 4;
const POSTS = 25;
/** The health probe during logins: a light, paced load, so its latency is the server's, not its own queue. */
const HEALTH_PROBE = { connections: 4, rate: 200 };

/**
 * Logins at cost 12 take ~1 s each under load, so write rows run at least 3 s;
 * after each run one more request waits out the hashes the load generator abandoned,
 * so the next run does not start behind a backlog.
 */
function writePlan(kind: RowKind): Plan {
  return kind === "write" || kind === "latency"
    ? {
        ...plan,
        // bcrypt needs no JIT warm-up, and the rows before have warmed the HTTP path.
        warmupSeconds: Math.min(plan.warmupSeconds, 2),
        runSeconds: Math.max(plan.runSeconds, 3),
      }
    : plan;
}

/** The child processes the benchmark runs, so their CPU is not counted as other people's. */
const ownPids: number[] = [];

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function summarize(
  name: string,
  kind: RowKind,
  runs: readonly RunStats[],
  extra: Partial<Row> = {},
): Row {
  return {
    name,
    kind,
    rps: spread(runs.map((run) => run.rps)),
    p50: median(runs.map((run) => run.p50)),
    p99: median(runs.map((run) => run.p99)),
    errors: sum(runs.map((run) => run.errors)),
    non2xx: sum(runs.map((run) => run.non2xx)),
    runs,
    ...extra,
  };
}

async function loadRow(
  name: string,
  kind: RowKind,
  spec: LoadSpec,
  extra: Partial<Row> = {},
): Promise<Row> {
  log(`${name}${extra.bcryptCost ? ` (cost ${extra.bcryptCost})` : ""}…`);
  try {
    await probe(spec);
    const others = watchOtherCpu(ownPids);
    const runs = await repeat(writePlan(kind), async (seconds) => {
      const run = await runLoad(spec, seconds);
      if (kind === "write") await probe(spec); // waits out the hashes still queued
      return run;
    });
    return summarize(name, kind, runs, {
      connections: spec.connections,
      otherCpuPercent: others(),
      ...extra,
    });
  } catch (error) {
    log(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    return { name, kind, ...extra, note: FAILED };
  }
}

/** Why the process ended, with the tail of its output, if it has ended. */
function exitReport(warden: SpawnedServer): string | undefined {
  const { exitCode, signalCode } = warden.process;
  if (exitCode === null && signalCode === null) return undefined;
  return `warden exited (code ${exitCode}, signal ${signalCode}):\n${warden.output()}`;
}

/** SQLite, or PostgreSQL from TEST_POSTGRES_URL (the local default when unset). */
function databaseTarget(): DatabaseTarget {
  const env = { TEST_POSTGRES_URL: process.env.TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_URL };
  const target = databaseTargets(env).find((candidate) => candidate.dialect === databaseKind);
  if (!target) throw new Error(`no ${databaseKind} database target`);
  return target;
}

async function withWarden<T>(
  cost: number,
  action: (warden: SpawnedServer) => Promise<T>,
  nodeArgs: readonly string[] = [],
): Promise<T> {
  const database = await createTestDatabase(databaseTarget());
  try {
    const warden = await spawnWardenServer(
      // The per-IP registration limit would turn the auth.register row into 429s from 127.0.0.1.
      // LOG_LEVEL=info as in production: issue #13's targets count the access-log line of every
      // request (the spawned server's default, warn, writes none).
      { BCRYPT_COST: String(cost), REGISTER_RATE_LIMIT: "off", LOG_LEVEL: "info" },
      { databaseUrl: database.url, nodeArgs },
    );
    ownPids.push(warden.process.pid ?? -1);
    try {
      return await action(warden);
    } finally {
      await warden.stop();
    }
  } finally {
    await database.drop();
  }
}

async function seedLoginUsers(baseUrl: string): Promise<string[]> {
  const users: string[] = [];
  for (let i = 0; i < LOGIN_USERS; i++) users.push((await seedUser(baseUrl, "login")).username);
  return users;
}

/** The selected read rows; the peak RSS row, when selected, is taken over them (over all of them if none is). */
async function readRows(warden: SpawnedServer): Promise<Row[]> {
  const reader = await seedUser(warden.url, "reader");
  await seedPosts(warden.url, reader.accessToken, POSTS);
  const scenarios = readScenarios(warden.url, reader.accessToken, readConnections);
  const chosen = scenarios.filter((scenario) => wants(scenario.name as RowId));
  const sampler = sampleRss(warden.process.pid ?? -1);
  const rows: Row[] = [];
  for (const scenario of chosen.length > 0 ? chosen : scenarios) {
    const row = await loadRow(scenario.name, "read", scenario.spec);
    if (chosen.length > 0) rows.push(row);
  }
  const memory = sampler.stop();
  const peak = Math.max(memory.hwmMb, memory.peakRssMb);
  if (wants("rss"))
    rows.push({
      name: ROWS.rss,
      kind: "memory",
      note: `${peak.toFixed(1)} MB (VmHWM; highest sampled VmRSS ${memory.peakRssMb.toFixed(1)} MB)`,
      target: judgeMemory(peak),
    });
  return rows;
}

async function writeRows(
  warden: SpawnedServer,
  cost: number,
  users: readonly string[],
): Promise<Row[]> {
  const extra = { bcryptCost: cost, note: `cost ${cost}` };
  const specs: Record<string, LoadSpec> = {
    "auth.login": loginSpec(warden.url, users, loginConnections),
    "oauth.token": passwordGrantSpec(warden.url, users, loginConnections),
    "auth.register": registerSpec(warden.url, uniqueName(`r${cost}`), loginConnections),
  };
  const rows: Row[] = [];
  for (const id of WRITE_ROWS)
    if (wants(id)) rows.push(await loadRow(ROWS[id], "write", specs[id] as LoadSpec, extra));
  return rows;
}

/** system.health latency while auth.login saturates the server (both loads at once). */
async function healthDuringLogins(
  warden: SpawnedServer,
  cost: number,
  users: readonly string[],
): Promise<Row> {
  const name = ROWS["health-under-logins"];
  log(`${name} (cost ${cost})…`);
  try {
    return await measureHealthDuringLogins(warden, cost, users, name);
  } catch (error) {
    log(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    const report = exitReport(warden);
    if (report) log(report);
    return { name, kind: "latency", bcryptCost: cost, note: FAILED };
  }
}

async function measureHealthDuringLogins(
  warden: SpawnedServer,
  cost: number,
  users: readonly string[],
  name: string,
): Promise<Row> {
  const login = loginSpec(warden.url, users, loginConnections);
  const health = healthSpec(warden.url, HEALTH_PROBE.connections, HEALTH_PROBE.rate);
  const others = watchOtherCpu(ownPids);
  const pairs = await repeat(writePlan("latency"), async (seconds) => {
    const pair = await Promise.all([runLoad(login, seconds), runLoad(health, seconds)]);
    await probe(login);
    return pair;
  });
  const loginRps = median(pairs.map(([loginRun]) => loginRun.rps));
  return summarize(
    name,
    "latency",
    pairs.map(([, healthRun]) => healthRun),
    {
      connections: HEALTH_PROBE.connections,
      bcryptCost: cost,
      otherCpuPercent: others(),
      note: `paced to ≤ ${HEALTH_PROBE.rate} req/s on ${HEALTH_PROBE.connections} conns, during auth.login at ${loginRps.toFixed(1)}/s on ${loginConnections} conns, cost ${cost}`,
    },
  );
}

async function benchmark(): Promise<void> {
  const started = Date.now();
  const info = await describeMachine();
  const generator = loadGenerator().description;
  log(`load generator: ${generator}`);
  const rows: Row[] = [];

  if (wants("floor")) {
    log("bcrypt floor…");
    for (const [cost, samples] of [
      [10, args.quick ? 5 : 10],
      [12, args.quick ? 3 : 6],
    ] as const) {
      const floor = await measureBcryptFloor(cost, samples);
      rows.push({
        name: ROWS.floor,
        kind: "floor",
        bcryptCost: cost,
        rps: floor.perSecond,
        note: `cost ${cost}: ${floor.cores} cores ÷ ${floor.hashMs.median.toFixed(1)} ms per hash`,
      });
    }
  }

  if (wants("ceiling")) {
    const ceiling = await startCeilingServer();
    ownPids.push(ceiling.pid);
    try {
      rows.push(
        await loadRow(ROWS.ceiling, "ceiling", { url: ceiling.url, connections: readConnections }),
      );
    } finally {
      await ceiling.stop();
    }
  }

  // One process per cost, each on a fresh database; the reads run on the default (12).
  if (wants(...WRITE_ROWS))
    rows.push(
      ...(await withWarden(10, async (warden) =>
        writeRows(warden, 10, await seedLoginUsers(warden.url)),
      )),
    );
  if (wants(...READ_ROWS, "rss", ...WRITE_ROWS, "health-under-logins"))
    rows.push(
      ...(await withWarden(12, async (warden) => {
        const users = wants(...WRITE_ROWS, "health-under-logins")
          ? await seedLoginUsers(warden.url)
          : [];
        return [
          ...(wants(...READ_ROWS, "rss") ? await readRows(warden) : []),
          ...(await writeRows(warden, 12, users)),
          ...(wants("health-under-logins") ? [await healthDuringLogins(warden, 12, users)] : []),
        ];
      })),
    );

  judge(rows);
  if (rows.some((row) => row.kind === "read") && !wants("ceiling"))
    log("no ceiling row, so the read rows have no ratio (add --only ceiling)");
  if (rows.some((row) => row.kind === "write") && !wants("floor"))
    log("no bcrypt floor row, so the write rows have no ratio (add --only floor)");
  const order: RowKind[] = ["ceiling", "read", "memory", "floor", "write", "latency"];
  const sorted = order.flatMap((kind) =>
    rows
      .filter((row) => row.kind === kind)
      .sort((a, b) => (a.bcryptCost ?? 0) - (b.bcryptCost ?? 0)),
  );
  const report: Report = {
    date: new Date().toISOString(),
    machine: info,
    database: databaseKind,
    generator,
    plan,
    connections: { read: readConnections, login: loginConnections },
    rows: sorted,
    durationSeconds: (Date.now() - started) / 1000,
  };
  if (args.svg) {
    writeFileSync(args.svg, svgChart(report));
    log(`chart written to ${args.svg}`);
  }
  // Not a row: measured in-process on the real modules, so only in a full run.
  const revocationCheck = args.only ? undefined : await measureRevocationCheck();
  process.stdout.write(
    args.json
      ? json({ ...report, ...(revocationCheck ? { revocationCheck } : {}) } as Report)
      : `${markdown(report)}${revocationCheck ? `\n${describeRevocationCheck(revocationCheck)}` : ""}`,
  );
}

/** One Warden under --cpu-prof, loaded with auth.verify then users.me (or the read rows --only names); prints where the time went. */
async function profile(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-prof-"));
  let requests = 0; // warm-ups included: they are in the profile too
  await withWarden(
    12,
    async (warden) => {
      const reader = await seedUser(warden.url, "reader");
      await seedPosts(warden.url, reader.accessToken, POSTS);
      const scenarios = readScenarios(warden.url, reader.accessToken, readConnections);
      const named = scenarios.filter((scenario) => wants(scenario.name as RowId));
      const profiled = args.only && named.length > 0 ? named : scenarios;
      for (const scenario of profiled) {
        if (!args.only && scenario.name !== "auth.verify" && scenario.name !== "users.me") continue;
        log(`profiling under ${scenario.name}…`);
        await repeat(plan, async (seconds) => {
          const run = await runLoad(scenario.spec, seconds);
          requests += run.total;
          return run;
        });
      }
    },
    [`--cpu-prof`, `--cpu-prof-dir=${dir}`],
  );
  const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile was written to ${dir}`);
  const summary = summarizeCpuProfile(join(dir, file));
  if (args.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else
    process.stdout.write(
      `${profileMarkdown(summary)}\n${requests} requests served (warm-ups included): about ` +
        `${Math.round((summary.busyMs * 1000) / requests)} µs of main-thread time per request ` +
        "(a slight upper bound: startup and seeding count in the busy time too).\n",
    );
  log(`profile kept at ${join(dir, file)} (open it in Chrome DevTools)`);
  if (process.env.BENCH_DISCARD_PROFILE) rmSync(dir, { recursive: true, force: true });
}

(args.profile ? profile() : benchmark()).catch((error: unknown) => {
  process.stderr.write(
    `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
