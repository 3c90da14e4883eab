/** Drives load with autocannon (as a library): one run, or a warm-up plus measured runs. */
import autocannon from "autocannon";

export interface LoadSpec {
  /** Full URL of the first request (the host is taken from it). */
  readonly url: string;
  readonly connections: number;
  readonly method?: "GET" | "POST";
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** For a body built per request (e.g. unique usernames); overrides method/body/headers. */
  readonly requests?: autocannon.Request[];
  /** Caps the total request rate (requests/s), for latency probes. */
  readonly overallRate?: number;
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

export async function runLoad(spec: LoadSpec, seconds: number): Promise<RunStats> {
  const options: autocannon.Options = {
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    duration: seconds,
    timeout: 30,
    ...(spec.method ? { method: spec.method } : {}),
    ...(spec.headers ? { headers: spec.headers } : {}),
    ...(spec.body ? { body: spec.body } : {}),
    ...(spec.requests ? { requests: spec.requests } : {}),
    ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
  };
  const result = await autocannon(options);
  const total = result.requests.total;
  return {
    seconds: result.duration,
    rps: result.duration > 0 ? total / result.duration : 0,
    total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
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
  const request = spec.requests?.[0];
  const setup = request?.setupRequest;
  const built =
    request && typeof setup === "function" ? setup({ ...request }, {}) : (request ?? undefined);
  const method = built?.method ?? spec.method ?? "GET";
  const url = built?.path ? new URL(built.path, spec.url).toString() : spec.url;
  const headers = (built?.headers as Record<string, string> | undefined) ?? spec.headers;
  const body = (built?.body as string | undefined) ?? spec.body;
  const init = {
    method,
    ...(headers ? { headers } : {}),
    ...(body !== undefined && method !== "GET" ? { body } : {}),
  };
  // One retry: a kept-alive socket the server has just closed fails the first fetch.
  const response = await fetch(url, init).catch(() => fetch(url, init));
  const text = await response.text();
  if (!response.ok)
    throw new Error(`probe ${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
}
