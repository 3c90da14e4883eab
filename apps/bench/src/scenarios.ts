/** What each row sends: the autocannon request for every procedure under test. */
import type { LoadSpec } from "./load.js";
import { BENCH_PASSWORD, registrationBody } from "./seed.js";

function query(path: string, input?: unknown): string {
  return input === undefined
    ? `/trpc/${path}`
    : `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
}

export interface ReadScenario {
  readonly name: string;
  readonly spec: LoadSpec;
}

/** The read rows, from the cheapest to the most work per request. */
export function readScenarios(baseUrl: string, token: string, connections: number): ReadScenario[] {
  const bearer = { authorization: `Bearer ${token}` };
  const get = (name: string, input?: unknown, headers?: Record<string, string>): ReadScenario => ({
    name,
    spec: { url: `${baseUrl}${query(name, input)}`, connections, ...(headers ? { headers } : {}) },
  });
  return [
    get("system.hello", { name: "bench" }),
    get("system.health"),
    get("auth.verify", undefined, bearer),
    get("users.me", undefined, bearer),
    get("posts.list", { limit: 20 }, bearer),
  ];
}

export function healthSpec(baseUrl: string, connections: number, overallRate?: number): LoadSpec {
  return {
    url: `${baseUrl}${query("system.health")}`,
    connections,
    ...(overallRate ? { overallRate } : {}),
  };
}

/** auth.login, spread over `usernames` (successes never lock an account). */
export function loginSpec(
  baseUrl: string,
  usernames: readonly string[],
  connections: number,
): LoadSpec {
  let next = 0;
  return {
    url: `${baseUrl}/trpc/auth.login`,
    connections,
    requests: [
      {
        method: "POST",
        path: "/trpc/auth.login",
        headers: { "content-type": "application/json" },
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            username: usernames[next++ % usernames.length],
            password: BENCH_PASSWORD,
          }),
        }),
      },
    ],
  };
}

/** The OAuth password grant (RFC 6749 §4.3), form-encoded. */
export function passwordGrantSpec(
  baseUrl: string,
  usernames: readonly string[],
  connections: number,
): LoadSpec {
  let next = 0;
  return {
    url: `${baseUrl}/oauth/token`,
    connections,
    requests: [
      {
        method: "POST",
        path: "/oauth/token",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        setupRequest: (request) => ({
          ...request,
          body: new URLSearchParams({
            grant_type: "password",
            username: usernames[next++ % usernames.length] as string,
            password: BENCH_PASSWORD,
          }).toString(),
        }),
      },
    ],
  };
}

/** auth.register with a fresh username and email on every request. */
export function registerSpec(baseUrl: string, prefix: string, connections: number): LoadSpec {
  let next = 0;
  return {
    url: `${baseUrl}/trpc/auth.register`,
    connections,
    requests: [
      {
        method: "POST",
        path: "/trpc/auth.register",
        headers: { "content-type": "application/json" },
        setupRequest: (request) => ({
          ...request,
          body: registrationBody(`${prefix}${(next++).toString(36)}`),
        }),
      },
    ],
  };
}
