/** What each row sends: the load spec of every procedure under test. */
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

export function healthSpec(baseUrl: string, connections: number, rate?: number): LoadSpec {
  return {
    url: `${baseUrl}${query("system.health")}`,
    connections,
    ...(rate ? { rate } : {}),
  };
}

/** auth.login, spread over `usernames` (successes never lock an account). */
export function loginSpec(
  baseUrl: string,
  usernames: readonly string[],
  connections: number,
): LoadSpec {
  return {
    url: `${baseUrl}/trpc/auth.login`,
    connections,
    method: "POST",
    headers: { "content-type": "application/json" },
    bodies: usernames.map((username) => JSON.stringify({ username, password: BENCH_PASSWORD })),
  };
}

/** The OAuth password grant (RFC 6749 §4.3), form-encoded. */
export function passwordGrantSpec(
  baseUrl: string,
  usernames: readonly string[],
  connections: number,
): LoadSpec {
  return {
    url: `${baseUrl}/oauth/token`,
    connections,
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    bodies: usernames.map((username) =>
      new URLSearchParams({
        grant_type: "password",
        username,
        password: BENCH_PASSWORD,
      }).toString(),
    ),
  };
}

/** auth.register with a fresh username and email on every request. */
export function registerSpec(baseUrl: string, prefix: string, connections: number): LoadSpec {
  return {
    url: `${baseUrl}/trpc/auth.register`,
    connections,
    method: "POST",
    headers: { "content-type": "application/json" },
    uniqueBody: registrationBody(`${prefix}{id}`),
  };
}
