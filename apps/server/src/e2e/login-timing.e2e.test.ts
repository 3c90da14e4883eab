import { createTestDatabase, databaseTargets, type TestDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  registerAndLogin,
  startTestServer,
  type TestServer,
  trpc,
} from "../testing/test-server.js";

const ROUNDS = 15;
/** Wrong-password attempts are spread over this many accounts: 3 each, far from the lock at 10. */
const ACCOUNTS = 5;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

// A login for an unknown user must cost what a wrong password costs (a
// bcrypt verification against a dummy hash), or the time of the answer tells
// which usernames and emails exist. Medians of interleaved logins in one
// run, compared as a ratio: bcrypt at cost 10 takes ~50 ms, a skipped one ~1 ms,
// so a generous band catches the regression without a wall-clock threshold.
describe("login timing [sqlite]", () => {
  let database: TestDatabase;
  let server: TestServer;
  let accounts: { username: string; email: string }[];
  beforeAll(async () => {
    const sqlite = databaseTargets().find((target) => target.dialect === "sqlite");
    database = await createTestDatabase(sqlite as never);
    server = await startTestServer(database);
    accounts = [];
    for (let i = 0; i < ACCOUNTS; i += 1) {
      const { user } = await registerAndLogin(server);
      accounts.push({ username: user.username, email: `${user.username}@example.com` });
    }
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  /** One failed login over HTTP: how long it took. It must be refused as bad credentials, never throttled. */
  const failedLogin = async (username: string): Promise<number> => {
    const started = performance.now();
    const result = await trpc(server, "auth.login", {
      input: { username, password: "not-the-password-91" },
    });
    const elapsed = performance.now() - started;
    expect(result.status, result.raw).toBe(401);
    expect(result.error?.data.code).toBe("UNAUTHORIZED");
    return elapsed;
  };

  it("an unknown username or email takes as long as a wrong password", async () => {
    const unknownUsername = (i: number) => `nobody_${i}_${Math.random().toString(36).slice(2, 8)}`;
    const unknownEmail = (i: number) => `${unknownUsername(i)}@example.com`;
    const account = (i: number) => accounts[i % ACCOUNTS] as (typeof accounts)[number];
    // Warm up both paths (JIT, the dummy hash made at start-up, the connection).
    for (let i = 0; i < 2; i += 1) {
      await failedLogin(unknownUsername(i));
      await failedLogin(account(i).username);
    }
    const times = {
      wrongPassword: [] as number[],
      unknownUsername: [] as number[],
      unknownEmail: [] as number[],
    };
    const health: number[] = [];
    for (let i = 0; i < ROUNDS; i += 1) {
      // Interleaved, in an order that changes each round, so drift hits all three alike.
      const attempts: [keyof typeof times, string][] = [
        ["wrongPassword", i % 2 ? account(i).username : account(i).email],
        ["unknownUsername", unknownUsername(i)],
        ["unknownEmail", unknownEmail(i)],
      ];
      for (let k = 0; k < attempts.length; k += 1) {
        const [kind, username] = attempts[(i + k) % attempts.length] as [
          keyof typeof times,
          string,
        ];
        times[kind].push(await failedLogin(username));
      }
      const started = performance.now();
      expect((await trpc(server, "system.health", { query: true })).status).toBe(200);
      health.push(performance.now() - started);
    }
    // 4 + 3 × 15 = 49 failures from 127.0.0.1, under the IP lock at 100; 3 or 4 per account, under 10.

    const wrong = median(times.wrongPassword);
    const summary = {
      wrongPassword: wrong,
      unknownUsername: median(times.unknownUsername),
      unknownEmail: median(times.unknownEmail),
      health: median(health),
    };
    // The harness can see a bcrypt: a wrong password costs far more than a request that does none.
    expect(wrong, JSON.stringify(summary)).toBeGreaterThan(5 * summary.health);
    for (const kind of ["unknownUsername", "unknownEmail"] as const) {
      const ratio = summary[kind] / wrong;
      expect(ratio, `${kind}: ${JSON.stringify(summary)}`).toBeGreaterThan(0.5);
      expect(ratio, `${kind}: ${JSON.stringify(summary)}`).toBeLessThan(2);
    }
  }, 60_000);
});
