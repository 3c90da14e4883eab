/** The fallback load generator: autocannon, as a library, in this process. */
import { createRequire } from "node:module";
import autocannon from "autocannon";
import { type LoadGenerator, type LoadSpec, nextRunId, type RunStats, withId } from "./load.js";

const version = (createRequire(import.meta.url)("autocannon/package.json") as { version: string })
  .version;

/** `why`: the reason it is used (wrk missing), for the report. */
export function autocannonGenerator(why: string): LoadGenerator {
  return { description: `autocannon ${version} (${why}), pipelining 1`, run };
}

/** One request description whose body changes per request, when the spec asks for that. */
function varyingRequests(spec: LoadSpec): autocannon.Request[] | undefined {
  const { bodies, uniqueBody } = spec;
  if (!bodies && uniqueBody === undefined) return undefined;
  const runId = nextRunId();
  let sent = 0;
  const url = new URL(spec.url);
  return [
    {
      method: spec.method ?? "GET",
      path: `${url.pathname}${url.search}`,
      ...(spec.headers ? { headers: spec.headers } : {}),
      setupRequest: (request) => {
        const n = sent++;
        const body = bodies
          ? (bodies[n % bodies.length] as string)
          : withId(uniqueBody as string, `${runId}_${n.toString(36)}`);
        return { ...request, body };
      },
    },
  ];
}

async function run(spec: LoadSpec, seconds: number): Promise<RunStats> {
  const requests = varyingRequests(spec);
  const options: autocannon.Options = {
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    duration: seconds,
    timeout: 30,
    ...(spec.method ? { method: spec.method } : {}),
    ...(spec.headers ? { headers: spec.headers } : {}),
    ...(spec.body ? { body: spec.body } : {}),
    ...(requests ? { requests } : {}),
    ...(spec.rate ? { overallRate: spec.rate } : {}),
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
