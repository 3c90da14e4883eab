/** Creates the users, tokens and posts the load rows need, over plain HTTP. */
import { randomBytes } from "node:crypto";

export const BENCH_PASSWORD = "tangerine-orbit-47";

export interface SeededUser {
  readonly username: string;
  readonly password: string;
  readonly accessToken: string;
}

async function call<T>(baseUrl: string, path: string, input: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${baseUrl}/trpc/${path}`, {
    method: "POST",
    headers,
    body: JSON.stringify(input),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path} failed (${response.status}): ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { result: { data: T } }).result.data;
}

/** A unique username (3–32 of a-z0-9_) for this process. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

export function registrationBody(username: string): string {
  return JSON.stringify({
    username,
    email: `${username}@bench.example`,
    name: `Bench ${username}`,
    password: BENCH_PASSWORD,
  });
}

export async function seedUser(baseUrl: string, prefix = "bench"): Promise<SeededUser> {
  const username = uniqueName(prefix);
  await call(baseUrl, "auth.register", JSON.parse(registrationBody(username)));
  const tokens = await call<{ accessToken: string }>(baseUrl, "auth.login", {
    username,
    password: BENCH_PASSWORD,
  });
  return { username, password: BENCH_PASSWORD, accessToken: tokens.accessToken };
}

export async function seedPosts(baseUrl: string, token: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await call(
      baseUrl,
      "posts.create",
      {
        title: `Benchmark post ${i + 1}`,
        content: `Body of benchmark post ${i + 1}. `.repeat(8),
        published: true,
      },
      token,
    );
  }
}
