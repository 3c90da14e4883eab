#!/usr/bin/env node
/**
 * `node dist/cpu-per-request.js [ROW…] [--seconds N] [--rounds N] [--cost N]`:
 * the Warden main thread's CPU time per request under wrk load, read from
 * /proc/<pid>/task/<pid>/stat (utime + stime of the main thread only) before
 * and after each run and divided by the requests wrk counted. Unlike req/s,
 * this does not move when other work shares the machine (it only measures
 * what the main thread itself spent), so it compares builds on a busy box.
 * Rows: system.hello, system.health, auth.verify, users.me, posts.list, auth.login, oauth.token.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createTestDatabase, databaseTargets } from "@warden/auth-core/testing";
import { spawnWardenServer } from "@warden/server/testing";
import { runLoad } from "./load.js";
import { loginSpec, passwordGrantSpec, readScenarios } from "./scenarios.js";
import { seedPosts, seedUser } from "./seed.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "2" },
    cost: { type: "string", default: "10" },
    /** A folder for the server's V8 CPU profile (node --cpu-prof). */
    "prof-dir": { type: "string" },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const wanted =
  positionals.length > 0 ? positionals : ["system.hello", "auth.verify", "users.me", "posts.list"];

/** utime + stime of the main thread, in clock ticks (1/100 s). */
function mainThreadTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

const target = databaseTargets({}).find((candidate) => candidate.dialect === "sqlite");
if (!target) throw new Error("no sqlite target");
const database = await createTestDatabase(target);
const warden = await spawnWardenServer(
  { BCRYPT_COST: values.cost, REGISTER_RATE_LIMIT: "off", LOG_LEVEL: "info" },
  {
    databaseUrl: database.url,
    nodeArgs: values["prof-dir"] ? ["--cpu-prof", `--cpu-prof-dir=${values["prof-dir"]}`] : [],
  },
);
try {
  const pid = warden.process.pid ?? -1;
  const reader = await seedUser(warden.url, "reader");
  await seedPosts(warden.url, reader.accessToken, 25);
  const specs = new Map(
    readScenarios(warden.url, reader.accessToken, 50).map((s) => [s.name, s.spec]),
  );
  specs.set("auth.login", loginSpec(warden.url, [reader.username], 8));
  specs.set("oauth.token", passwordGrantSpec(warden.url, [reader.username], 8));
  for (let round = 0; round < rounds; round++) {
    for (const name of wanted) {
      const spec = specs.get(name);
      if (!spec) throw new Error(`unknown row ${name}`);
      await runLoad(spec, 2); // warm-up
      const before = mainThreadTicks(pid);
      const run = await runLoad(spec, seconds);
      const ticks = mainThreadTicks(pid) - before;
      const perRequestUs = (ticks * 10_000) / run.total;
      console.log(
        `${name.padEnd(14)} ${perRequestUs.toFixed(1).padStart(8)} µs/request main thread` +
          `  (${run.total} requests, ${run.non2xx} non-2xx, ${run.errors} errors, ${run.rps.toFixed(0)} req/s)`,
      );
    }
  }
} finally {
  await warden.stop();
  await database.drop();
}
