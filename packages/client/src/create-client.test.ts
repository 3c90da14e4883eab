import { totpCodeAt } from "@warden/auth-core/testing";
import type { SpawnedServer } from "@warden/server/testing";
import { spawnWardenServer } from "@warden/server/testing";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { createWardenClient, type WardenClient } from "./create-client.js";
import { errorCodeOf } from "./errors.js";
import { type MfaChallenge, needsSecondFactor } from "./login-result.js";
import { createMemoryTokenStore, type TokenStore } from "./token-store.js";

const PASSWORD = "tangerine-orbit-47";
let counter = 0;

function newUsername(): string {
  counter += 1;
  return `client${counter}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A fetch that counts how many `auth.refresh` calls went over the wire. */
function countingFetch(): { fetch: typeof fetch; refreshes: () => number; requests: () => number } {
  let refreshes = 0;
  let requests = 0;
  return {
    fetch: (input, init) => {
      requests += 1;
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      const path = new URL(url).pathname;
      refreshes += path.split(/[/,]/).filter((part) => part === "auth.refresh").length;
      return fetch(input, init);
    },
    refreshes: () => refreshes,
    requests: () => requests,
  };
}

async function registerAndLogin(
  client: WardenClient,
): Promise<{ username: string; userId: string }> {
  const username = newUsername();
  const user = await client.auth.register.mutate({
    username,
    email: `${username}@example.com`,
    name: `Name ${username}`,
    password: PASSWORD,
  });
  await client.auth.login.mutate({ username, password: PASSWORD });
  return { username, userId: user.id };
}

// Access tokens live 2 s there, not 1: exp is whole seconds past a floored
// iat, so a 1 s token can expire milliseconds after it is issued, and a
// retry right after a refresh could miss it.
// Past the spawned server's 4-second access tokens. Not shorter: a refreshed
// token must outlive the retries it is sent with on a loaded machine (with 2 s
// it expired before them once, while other suites ran).
const EXPIRY_WAIT_MS = 5100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("createWardenClient types", () => {
  it("is typed by the server's router", () => {
    const client = createWardenClient({ url: "http://127.0.0.1:1" });
    type Me = Awaited<ReturnType<typeof client.users.me.query>>;
    expectTypeOf<Me["role"]>().toEqualTypeOf<"user" | "admin">();
    expectTypeOf<Me>().toHaveProperty("createdAt").toEqualTypeOf<string>();
    expectTypeOf<Me>().not.toHaveProperty("passwordHash");
    type Login = Awaited<ReturnType<typeof client.auth.login.mutate>>;
    expectTypeOf<Extract<Login, { tokenType: "Bearer" }>["accessToken"]>().toEqualTypeOf<string>();
    expectTypeOf<MfaChallenge>().toEqualTypeOf<Extract<Login, { mfaRequired: true }>>();
    expectTypeOf<MfaChallenge["mfaToken"]>().toEqualTypeOf<string>();
    expectTypeOf(client.auth.verifyMfa.mutate).parameter(0).toHaveProperty("mfaToken");
    expectTypeOf(client.auth.login.mutate)
      .parameter(0)
      .toEqualTypeOf<{ username: string; password: string }>();
    expectTypeOf(client.sessions.revoke.mutate).parameter(0).toEqualTypeOf<{ id: string }>();
  });
});

describe("createWardenClient against the real server", () => {
  let server: SpawnedServer;

  beforeAll(async () => {
    server = await spawnWardenServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("registers, logs in, keeps the pair, and calls a protected procedure", async () => {
    const store = createMemoryTokenStore();
    const client = createWardenClient({ url: server.url, tokenStore: store });
    const { username, userId } = await registerAndLogin(client);
    expect(store.get()).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
    });
    const me = await client.users.me.query();
    expect(me).toMatchObject({ id: userId, username, role: "user" });
  });

  it("a login needing a second factor is a typed MfaChallenge; verifyMfa's pair is kept like a login's", async () => {
    const store = createMemoryTokenStore();
    const client = createWardenClient({ url: server.url, tokenStore: store });
    const { username, userId } = await registerAndLogin(client);
    const { secret } = await client.users.totp.setup.mutate();
    // The spawned server reads the real clock: the enabling code is this step's,
    // the login's the next step's (accepted too, and later, so not a replay).
    const { recoveryCodes } = await client.users.totp.enable.mutate({
      code: totpCodeAt(secret, new Date()),
    });
    expect(recoveryCodes).toHaveLength(10);
    await client.auth.logout.mutate();
    expect(store.get()).toBeNull();

    const result = await client.auth.login.mutate({ username, password: PASSWORD });
    expect(needsSecondFactor(result)).toBe(true);
    if (!needsSecondFactor(result)) return;
    expectTypeOf(result.mfaToken).toEqualTypeOf<string>();
    // No tokens yet: a protected call is refused.
    expect(store.get()).toBeNull();
    const wrong = await client.auth.verifyMfa
      .mutate({ mfaToken: result.mfaToken, code: "000000" })
      .catch((caught: unknown) => caught);
    expect(errorCodeOf(wrong)).toBe("BAD_REQUEST");
    await client.auth.verifyMfa.mutate({
      mfaToken: result.mfaToken,
      code: totpCodeAt(secret, new Date(Date.now() + 30_000)),
    });
    expect(store.get()).toMatchObject({ accessToken: expect.any(String) });
    const me = await client.users.me.query();
    expect(me).toMatchObject({ id: userId, twoFactorEnabled: true });
  });

  it("splits more parallel calls than a batch holds into several batches, and all succeed", async () => {
    const counting = countingFetch();
    const client = createWardenClient({ url: server.url, fetch: counting.fetch });
    await registerAndLogin(client);
    const before = counting.requests();
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) => client.system.hello.query({ name: `n${i}` })),
    );
    expect(results.map((result) => result.message)).toEqual(
      Array.from({ length: 15 }, (_, i) => `Hello, n${i}!`),
    );
    expect(counting.requests() - before).toBe(2);
  });

  it("surfaces UNAUTHORIZED without a token, and does not retry it", async () => {
    const counter = countingFetch();
    const client = createWardenClient({ url: server.url, fetch: counter.fetch });
    const error = await client.users.me.query().catch((caught: unknown) => caught);
    expect(errorCodeOf(error)).toBe("UNAUTHORIZED");
    expect(counter.requests()).toBe(1);
  });

  it("a wrong password is UNAUTHORIZED and does not trigger a refresh", async () => {
    const counter = countingFetch();
    const client = createWardenClient({ url: server.url, fetch: counter.fetch });
    const { username } = await registerAndLogin(client);
    const error = await client.auth.login
      .mutate({ username, password: "wrong-password-123" })
      .catch((caught: unknown) => caught);
    expect(errorCodeOf(error)).toBe("UNAUTHORIZED");
    expect(counter.refreshes()).toBe(0);
  });

  it("logout clears the store", async () => {
    const store = createMemoryTokenStore();
    const client = createWardenClient({ url: server.url, tokenStore: store });
    await registerAndLogin(client);
    const refreshToken = store.get()?.refreshToken;
    await client.auth.logout.mutate({ refreshToken });
    expect(store.get()).toBeNull();
  });

  it("a revoked session is UNAUTHORIZED after one failed refresh, and the store is cleared", async () => {
    const store = createMemoryTokenStore();
    const counter = countingFetch();
    const client = createWardenClient({ url: server.url, tokenStore: store, fetch: counter.fetch });
    await registerAndLogin(client);
    const stale = store.get();
    await client.auth.logout.mutate();
    // Put the dead pair back, as a client that missed the logout would hold it.
    if (stale) store.set(stale);
    const error = await client.users.me.query().catch((caught: unknown) => caught);
    expect(errorCodeOf(error)).toBe("UNAUTHORIZED");
    expect(counter.refreshes()).toBe(1);
    expect(store.get()).toBeNull();
  });
});

describe("refreshing an expired access token", () => {
  let server: SpawnedServer;

  beforeAll(async () => {
    server = await spawnWardenServer({ ACCESS_TOKEN_TTL: "4" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("refreshes once, retries, and stores the rotated pair", async () => {
    const store = createMemoryTokenStore();
    const counter = countingFetch();
    const client = createWardenClient({ url: server.url, tokenStore: store, fetch: counter.fetch });
    const { userId } = await registerAndLogin(client);
    const before = store.get();
    await sleep(EXPIRY_WAIT_MS);
    const me = await client.users.me.query();
    expect(me.id).toBe(userId);
    expect(counter.refreshes()).toBe(1);
    const after = store.get();
    expect(after?.accessToken).not.toBe(before?.accessToken);
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
  });

  it("five concurrent calls with an expired token share one refresh", async () => {
    const store = createMemoryTokenStore();
    const counter = countingFetch();
    const client = createWardenClient({ url: server.url, tokenStore: store, fetch: counter.fetch });
    const { userId } = await registerAndLogin(client);
    await sleep(EXPIRY_WAIT_MS);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => client.users.me.query().then((me) => me.id)),
    );
    expect(results).toEqual(Array(5).fill(userId));
    expect(counter.refreshes()).toBe(1);
    // The session survived: had a rotated refresh token been presented twice,
    // the server would have revoked it and this would be UNAUTHORIZED.
    await expect(client.sessions.list.query()).resolves.toHaveLength(1);
  });

  it("calls spread over several batches still share one refresh", async () => {
    const store = createMemoryTokenStore();
    const counter = countingFetch();
    const client = createWardenClient({ url: server.url, tokenStore: store, fetch: counter.fetch });
    const { userId } = await registerAndLogin(client);
    await sleep(EXPIRY_WAIT_MS);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, index) =>
        sleep(index * 3).then(() => client.users.me.query().then((me) => me.id)),
      ),
    );
    expect(results).toEqual(Array(5).fill(userId));
    expect(counter.refreshes()).toBe(1);
    await expect(client.sessions.list.query()).resolves.toHaveLength(1);
  });

  it("two clients sharing one store with a lock never present the same refresh token", async () => {
    // Stands in for two processes over one credentials file: the lock plus
    // the re-read inside it let the second reuse the first one's rotation.
    const shared = createMemoryTokenStore();
    let queue: Promise<unknown> = Promise.resolve();
    const locked: TokenStore = {
      get: () => shared.get(),
      set: (tokens) => shared.set(tokens),
      clear: () => shared.clear(),
      exclusive: <T>(task: () => Promise<T>): Promise<T> => {
        const run = queue.then(task);
        queue = run.catch(() => undefined);
        return run;
      },
    };
    const counter = countingFetch();
    const first = createWardenClient({ url: server.url, tokenStore: locked, fetch: counter.fetch });
    const second = createWardenClient({
      url: server.url,
      tokenStore: locked,
      fetch: counter.fetch,
    });
    await registerAndLogin(first);
    await sleep(EXPIRY_WAIT_MS);
    const [a, b] = await Promise.all([first.users.me.query(), second.users.me.query()]);
    expect(a.id).toBe(b.id);
    expect(counter.refreshes()).toBe(1);
    await expect(second.sessions.list.query()).resolves.toHaveLength(1);
  });
});
