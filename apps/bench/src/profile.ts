/** Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went, by package. */
import { readFileSync } from "node:fs";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: number[];
}
interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface Share {
  readonly name: string;
  readonly ms: number;
  /** Of the busy (non-idle) time. */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly idleMs: number;
  readonly busyMs: number;
  /** Self time per package. */
  readonly packages: Share[];
  /** Self time per group (fastify, tRPC, jose, ...). */
  readonly groupsSelf: Share[];
  /** Time with at least one frame of the group on the stack (inclusive; rows overlap). */
  readonly groupsOnStack: Share[];
  /** Top functions by self time. */
  readonly functions: Share[];
  /** Top functions by time on the stack (inclusive), outside Node core. */
  readonly functionsOnStack: Share[];
}

const GROUPS: Record<string, string> = {
  "@trpc/server": "tRPC",
  jose: "jose (JWT)",
  zod: "zod",
  kysely: "kysely + SQLite/pg driver",
  "better-sqlite3": "kysely + SQLite/pg driver",
  pg: "kysely + SQLite/pg driver",
  "pg-protocol": "kysely + SQLite/pg driver",
  pino: "pino logging",
  "sonic-boom": "pino logging",
  "thread-stream": "pino logging",
  "pino-std-serializers": "pino logging",
  "fast-redact": "pino logging",
  "@pinojs/redact": "pino logging",
  "quick-format-unescaped": "pino logging",
  "safe-stable-stringify": "pino logging",
  "rate-limiter-flexible": "rate-limiter-flexible",
  "@warden/server": "Warden server code",
  "@warden/auth-core": "Warden auth-core code",
  "node core": "Node core (http, net, streams, timers)",
  "(garbage collector)": "GC",
  "(program)": "(program): native, unattributed",
  "V8 builtins / native": "V8 builtins / native",
};

function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === "") return functionName.startsWith("(") ? functionName : "V8 builtins / native";
  if (url.startsWith("node:")) return "node core";
  const marker = url.lastIndexOf("/node_modules/");
  if (marker >= 0) {
    const parts = url.slice(marker + "/node_modules/".length).split("/");
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  if (url.includes("/apps/server/")) return "@warden/server";
  if (url.includes("/packages/auth-core/")) return "@warden/auth-core";
  return url;
}

function groupOf(pkg: string): string {
  if (GROUPS[pkg]) return GROUPS[pkg];
  if (
    pkg === "fastify" ||
    pkg.startsWith("@fastify/") ||
    [
      "find-my-way",
      "avvio",
      "light-my-request",
      "fast-json-stringify",
      "fast-querystring",
      "fast-decode-uri-component",
      "secure-json-parse",
      "toad-cache",
      "proxy-addr",
      "forwarded",
      "ipaddr.js",
      "rfdc",
      "abstract-logging",
      "process-warning",
      "safe-regex2",
      "ret",
      "helmet",
      "content-type",
      "fast-uri",
      "ajv",
      "json-schema-ref-resolver",
    ].includes(pkg)
  )
    return "fastify (+ plugins, helmet, cors)";
  if (pkg === "(idle)" || pkg === "(root)") return pkg;
  return `other: ${pkg}`;
}

function shares(map: Map<string, number>, busyMs: number, limit = Infinity): Share[] {
  return [...map.entries()]
    .map(([name, ms]) => ({ name, ms, percent: (100 * ms) / busyMs }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, limit);
}

function add(map: Map<string, number>, key: string, ms: number): void {
  map.set(key, (map.get(key) ?? 0) + ms);
}

function functionKey(frame: CallFrame, pkg: string): string {
  const file = frame.url
    .replace(/^.*\/node_modules\//, "")
    .replace(/^file:\/\/.*\/(apps|packages)\//, "$1/");
  return `${frame.functionName || "(anonymous)"} ${file ? `${file}:${frame.lineNumber + 1}` : `[${pkg}]`}`;
}

export function summarizeCpuProfile(path: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);

  // Groups present on each node's stack, computed once per node.
  const stackGroups = new Map<number, Set<string>>();
  const groupsFor = (id: number): Set<string> => {
    const known = stackGroups.get(id);
    if (known) return known;
    const node = byId.get(id) as ProfileNode;
    const above = parent.has(id) ? groupsFor(parent.get(id) as number) : new Set<string>();
    const mine = new Set(above);
    mine.add(groupOf(packageOf(node.callFrame)));
    stackGroups.set(id, mine);
    return mine;
  };
  // Functions (outside Node core and V8) on each node's stack.
  const stackFunctions = new Map<number, Set<string>>();
  const functionsFor = (id: number): Set<string> => {
    const known = stackFunctions.get(id);
    if (known) return known;
    const node = byId.get(id) as ProfileNode;
    const above = parent.has(id) ? functionsFor(parent.get(id) as number) : new Set<string>();
    const pkg = packageOf(node.callFrame);
    const mine = new Set(above);
    if (pkg !== "node core" && !pkg.startsWith("(") && pkg !== "V8 builtins / native")
      mine.add(functionKey(node.callFrame, pkg));
    stackFunctions.set(id, mine);
    return mine;
  };

  const selfByNode = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }

  let idleMs = 0;
  let totalMs = 0;
  const packages = new Map<string, number>();
  const groupsSelf = new Map<string, number>();
  const groupsOnStack = new Map<string, number>();
  const functions = new Map<string, number>();
  const functionsOnStack = new Map<string, number>();
  for (const [id, ms] of selfByNode) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    totalMs += ms;
    if (frame.functionName === "(idle)") {
      idleMs += ms;
      continue;
    }
    const pkg = packageOf(frame);
    add(packages, pkg, ms);
    add(groupsSelf, groupOf(pkg), ms);
    for (const group of groupsFor(id)) if (group !== "(root)") add(groupsOnStack, group, ms);
    add(functions, functionKey(frame, pkg), ms);
    for (const key of functionsFor(id)) add(functionsOnStack, key, ms);
  }
  const busyMs = totalMs - idleMs;
  return {
    totalMs,
    idleMs,
    busyMs,
    packages: shares(packages, busyMs, 25),
    groupsSelf: shares(groupsSelf, busyMs),
    groupsOnStack: shares(groupsOnStack, busyMs),
    functions: shares(functions, busyMs, 30),
    functionsOnStack: shares(functionsOnStack, busyMs, 40),
  };
}

function table(title: string, rows: readonly Share[]): string {
  const lines = [`| ${title} | ms | % of busy |`, "|---|---:|---:|"];
  for (const row of rows)
    lines.push(
      `| ${row.name.replaceAll("|", "\\|")} | ${Math.round(row.ms)} | ${row.percent.toFixed(1)} |`,
    );
  return lines.join("\n");
}

export function profileMarkdown(summary: ProfileSummary): string {
  return [
    `Profiled ${(summary.totalMs / 1000).toFixed(1)} s: busy ${(summary.busyMs / 1000).toFixed(1)} s, ` +
      `idle ${(summary.idleMs / 1000).toFixed(1)} s.`,
    "",
    table("group (self time)", summary.groupsSelf),
    "",
    table("group (on the stack, inclusive; overlaps)", summary.groupsOnStack),
    "",
    table("package (self time)", summary.packages),
    "",
    table("function (self time)", summary.functions),
    "",
    table("function (on the stack, inclusive; outside Node core)", summary.functionsOnStack),
    "",
  ].join("\n");
}
