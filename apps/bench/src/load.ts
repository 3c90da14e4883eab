/**
 * Drives load: wrk when it is on PATH (a C client, so it takes little of the
 * CPU the server needs), autocannon otherwise. One run, or a warm-up plus measured runs.
 */
import { autocannonGenerator } from "./load-autocannon.js";
import { wrkGenerator } from "./load-wrk.js";

export interface LoadSpec {
  /** Full URL of every request. */
  readonly url: string;
  readonly connections: number;
  readonly method?: "GET" | "POST";
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Bodies sent in turn, one per request (e.g. logins spread over several users). */
  readonly bodies?: readonly string[];
  /** A body unique to each request: every `{id}` in it becomes a token no other request gets. */
  readonly uniqueBody?: string;
  /** Caps the request rate (requests/s over all connections), for latency probes. */
  readonly rate?: number;
}

export interface RunStats {
  readonly seconds: number;
  /** Responses per second, any status. */
  readonly rps: number;
  readonly total: number;
  readonly p50: number;
  readonly p99: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly non2xx: number;
}

export interface Plan {
  readonly warmupSeconds: number;
  readonly runSeconds: number;
  readonly runs: number;
}

export interface LoadGenerator {
  /** For the report, e.g. "wrk 4.1.0, -t1". */
  readonly description: string;
  run(spec: LoadSpec, seconds: number): Promise<RunStats>;
}

let generator: LoadGenerator | undefined;

export function loadGenerator(): LoadGenerator {
  generator ??= wrkGenerator() ?? autocannonGenerator("wrk not on PATH");
  return generator;
}

export function runLoad(spec: LoadSpec, seconds: number): Promise<RunStats> {
  return loadGenerator().run(spec, seconds);
}

let runCount = 0;

/** A token for one run, different from every other run's in this process. */
export function nextRunId(): string {
  return (runCount++).toString(36);
}

export function withId(template: string, id: string): string {
  return template.replaceAll("{id}", id);
}

/** A warm-up (discarded), then `plan.runs` measured runs of `measure`. */
export async function repeat<T>(
  plan: Plan,
  measure: (seconds: number) => Promise<T>,
): Promise<T[]> {
  if (plan.warmupSeconds > 0) await measure(plan.warmupSeconds);
  const results: T[] = [];
  for (let i = 0; i < plan.runs; i++) results.push(await measure(plan.runSeconds));
  return results;
}

/** One request with fetch, to fail fast when a row is misconfigured (wrong token, wrong path). */
export async function probe(spec: LoadSpec): Promise<void> {
  const method = spec.method ?? "GET";
  const body =
    spec.body ??
    spec.bodies?.[0] ??
    (spec.uniqueBody === undefined ? undefined : withId(spec.uniqueBody, `${nextRunId()}_p`));
  const init = {
    method,
    ...(spec.headers ? { headers: spec.headers } : {}),
    ...(body !== undefined && method !== "GET" ? { body } : {}),
  };
  // One retry: a kept-alive socket the server has just closed fails the first fetch.
  const response = await fetch(spec.url, init).catch(() => fetch(spec.url, init));
  const text = await response.text();
  if (!response.ok)
    throw new Error(
      `probe ${method} ${spec.url} answered ${response.status}: ${text.slice(0, 300)}`,
    );
}
