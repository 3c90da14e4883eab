import { randomUUID } from "node:crypto";
import { migrateToLatest } from "@warden/auth-core";
import {
  createTestDatabase,
  type DatabaseTarget,
  databaseTargets,
  describeEachDatabase,
} from "@warden/auth-core/testing";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  postForm,
  registerAdmin,
  registerAndLogin,
  startTestServer,
  type TestServer,
  type TokenPairBody,
  type TrpcResult,
  trpc,
} from "../testing/test-server.js";

/*
 * The holes found when Warden was attacked from outside (issue #12), each
 * tried again through HTTP on every database. The server trusts one proxy
 * hop here, so each test speaks from an address of its own and the per-IP
 * limits of one test do not spend another's.
 */
describeEachDatabase("hardening", (current) => {
  let server: TestServer;
  let network = 0;
  beforeAll(async () => {
    server = await startTestServer(current(), { TRUST_PROXY: "1" });
  });
  afterAll(async () => server?.close());

  /** A client address of the test's own, as the trusted proxy reports it. */
  const fromNewAddress = () => {
    network += 1;
    return { "x-forwarded-for": `198.51.100.${network}` };
  };

  const login = (username: string, password: string, headers: Record<string, string>) =>
    trpc<TokenPairBody>(server, "auth.login", { input: { username, password }, headers });

  const statuses = (results: TrpcResult[]) =>
    results.reduce<Record<number, number>>((counts, result) => {
      counts[result.status] = (counts[result.status] ?? 0) + 1;
      return counts;
    }, {});

  describe("sessions are an allowlist (#2)", () => {
    it("a validly signed token whose session never existed is refused", async () => {
      const { user } = await registerAndLogin(server);
      const forged = await server.running.deps.warden.tokens.signUserToken({
        userId: user.id,
        sessionId: randomUUID(),
        role: "user",
      });
      const me = await trpc(server, "users.me", { query: true, token: forged.token });
      expect(me.status).toBe(401);
      expect(me.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    });

    it("a validly signed token naming another user's session is refused", async () => {
      const victim = await registerAndLogin(server);
      const attacker = await registerAndLogin(server);
      const victimSession = (
        await trpc<{ id: string; current: boolean }[]>(server, "sessions.list", {
          query: true,
          token: victim.tokens.accessToken,
        })
      ).data?.find((session) => session.current)?.id as string;
      const forged = await server.running.deps.warden.tokens.signUserToken({
        userId: attacker.user.id,
        sessionId: victimSession,
        role: "admin",
      });
      expect((await trpc(server, "users.me", { query: true, token: forged.token })).status).toBe(
        401,
      );
      // The control: the same signing with the right pair is accepted.
      const genuine = await server.running.deps.warden.tokens.signUserToken({
        userId: victim.user.id,
        sessionId: victimSession,
        role: "user",
      });
      expect((await trpc(server, "users.me", { query: true, token: genuine.token })).status).toBe(
        200,
      );
    });
  });

  describe("a token's age is bounded (#13)", () => {
    it("iat a day ahead or exp a year away is refused, even signed with the server's own key", async () => {
      const { user, tokens } = await registerAndLogin(server);
      const real = JSON.parse(
        Buffer.from(tokens.accessToken.split(".")[1] as string, "base64url").toString(),
      ) as Record<string, unknown>;
      const key = server.running.deps.warden.keyRing.current();
      const now = Math.floor(Date.now() / 1000);
      const signed = (iat: number, exp: number) =>
        new SignJWT({ ...real, iat, exp, jti: randomUUID() })
          .setProtectedHeader({ alg: key.algorithm, typ: "at+jwt", kid: key.kid })
          .sign(key.privateKey);
      const me = async (token: string) =>
        (await trpc(server, "users.me", { query: true, token })).status;
      expect(await me(await signed(now + 86400, now + 86400 + 900))).toBe(401);
      expect(await me(await signed(now, now + 365 * 86400))).toBe(401);
      // The control: the same signing with a plausible lifetime is accepted.
      expect(await me(await signed(now, now + 900))).toBe(200);
      expect(real.sub).toBe(user.id);
    });
  });

  describe("password attempts are reserved before bcrypt (#3)", () => {
    it("25 parallel wrong passwords: at most 10 are checked, the rest get 429 with Retry-After", async () => {
      const { user } = await registerAndLogin(server);
      const headers = fromNewAddress();
      const results = await Promise.all(
        Array.from({ length: 25 }, () => login(user.username, "wrong-password-1", headers)),
      );
      const counts = statuses(results);
      expect(counts[401]).toBeLessThanOrEqual(10);
      expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(25);
      for (const refused of results.filter((result) => result.status === 429)) {
        expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      }
    });

    it("four concurrent batches of 9 check at most 10 in all, and the right password is then refused too", async () => {
      const { user, password } = await registerAndLogin(server);
      const headers = fromNewAddress();
      const batches = await Promise.all(
        Array.from({ length: 4 }, () =>
          Promise.all(
            Array.from({ length: 9 }, () => login(user.username, "wrong-password-2", headers)),
          ),
        ),
      );
      expect(statuses(batches.flat())[401]).toBeLessThanOrEqual(10);
      expect((await login(user.username, password, headers)).status).toBe(429);
    });

    it("a success clears the count: 9 failures, a login, 9 more failures, and the password still works", async () => {
      const { user, password } = await registerAndLogin(server);
      const headers = fromNewAddress();
      for (let round = 0; round < 2; round += 1) {
        for (let i = 0; i < 9; i += 1) {
          expect((await login(user.username, "wrong-password-3", headers)).status).toBe(401);
        }
        expect((await login(user.username, password, headers)).status).toBe(200);
      }
    });
  });

  describe("the lock is the account's, whatever identifier named it (#4)", () => {
    it("with the username locked, the email (in any case) with the right password is refused", async () => {
      const { user, password } = await registerAndLogin(server);
      const headers = fromNewAddress();
      for (let i = 0; i < 10; i += 1) await login(user.username, "wrong-password-4", headers);
      const email = `${user.username}@example.com`.toUpperCase();
      expect((await login(email, password, headers)).status).toBe(429);
      expect((await login(user.username.toUpperCase(), password, fromNewAddress())).status).toBe(
        429,
      );
    });

    it("an identifier that names no account is counted in normalized form", async () => {
      const headers = fromNewAddress();
      const name = `ghost${Date.now().toString(36)}`;
      for (let i = 0; i < 10; i += 1) await login(name, "wrong-password-5", headers);
      // Fullwidth letters (NFKC), upper case and surrounding spaces are the same identifier.
      const lookalike = ` ${[...name.toUpperCase()]
        .map((c) =>
          /[A-Z]/.test(c) ? String.fromCodePoint((c.codePointAt(0) as number) + 0xfee0) : c,
        )
        .join("")} `;
      expect((await login(lookalike, "wrong-password-5", headers)).status).toBe(429);
    });
  });

  describe("look-alike names find no account, on every collation (#5)", () => {
    it("accented, wide, upper-case and padded variants of erin's name with her password: 401, and after her lock, still no way in", async () => {
      const name = `erin${randomUUID().slice(0, 6)}`;
      const { password } = await registerAndLogin(server, { username: name });
      const variants = [
        `é${name.slice(1)}`,
        `${name} `,
        `ERÏ${name.slice(3).toUpperCase()}`,
        `${name}@EXAMPLE.COM `,
        `${name.replace("e", "ｅ")}`,
      ];
      for (const variant of variants) {
        expect((await login(variant, password, fromNewAddress())).status, variant).toBe(401);
      }
      const headers = fromNewAddress();
      for (let i = 0; i < 10; i += 1) await login(name, "wrong-password-6", headers);
      for (const variant of variants) {
        expect((await login(variant, password, fromNewAddress())).status, variant).not.toBe(200);
      }
      // The account itself is locked, whichever of its own identifiers is typed.
      expect((await login(name, password, fromNewAddress())).status).toBe(429);
    });
  });

  describe("bcrypt work is bounded (#6)", () => {
    it("wrong currentPassword guesses count toward the account's lock", async () => {
      const { user, tokens, password } = await registerAndLogin(server);
      const headers = fromNewAddress();
      const change = (currentPassword: string) =>
        trpc(server, "users.changePassword", {
          token: tokens.accessToken,
          headers,
          input: { currentPassword, newPassword: "juniper-cascade-93" },
        });
      const results = await Promise.all(
        Array.from({ length: 20 }, () => change("not-my-password")),
      );
      const counts = statuses(results);
      expect(counts[400]).toBeLessThanOrEqual(10);
      expect(counts[429]).toBeGreaterThanOrEqual(10);
      // The account is locked for logins too, right password and all.
      expect((await login(user.username, password, fromNewAddress())).status).toBe(429);
    });

    it("a batch of 10 works, GET and POST alike; 11 is a 400 that says the limit", async () => {
      const { tokens } = await registerAndLogin(server);
      const ten = Array.from({ length: 10 }, (_, i) => (i % 2 ? "users.me" : "sessions.list"));
      const inputs = encodeURIComponent(JSON.stringify({}));
      const get = await fetch(`${server.url}/trpc/${ten.join(",")}?batch=1&input=${inputs}`, {
        headers: { authorization: `Bearer ${tokens.accessToken}` },
      });
      expect(get.status).toBe(200);
      expect((await get.json()) as unknown[]).toHaveLength(10);
      const eleven = [...ten, "users.me"];
      const tooMany = await fetch(
        `${server.url}/trpc/${eleven.join(",")}?batch=1&input=${inputs}`,
        {
          headers: { authorization: `Bearer ${tokens.accessToken}` },
        },
      );
      expect(tooMany.status).toBe(400);
      const body = (await tooMany.json()) as { error: { message: string; data: { code: string } } };
      expect(body.error.data.code).toBe("BAD_REQUEST");
      expect(body.error.message).toContain("at most 10");
      const posts = Array.from({ length: 11 }, () => "posts.create");
      const postBatch = await fetch(`${server.url}/trpc/${posts.join(",")}?batch=1`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${tokens.accessToken}`,
          "content-type": "application/json",
        },
        body: JSON.stringify(
          Object.fromEntries(posts.map((_, i) => [i, { title: "t", content: "c" }])),
        ),
      });
      expect(postBatch.status).toBe(400);
      const created = await trpc<{ items: unknown[] }>(server, "posts.list", {
        query: true,
        token: tokens.accessToken,
      });
      expect(created.data?.items).toHaveLength(0);
    });

    it("registrations are throttled per client IP (REGISTER_RATE_LIMIT)", async () => {
      const limited = await startTestServer(current(), {
        TRUST_PROXY: "1",
        REGISTER_RATE_LIMIT: "3/10m",
      });
      try {
        const register = (headers: Record<string, string>) => {
          const username = `reg${randomUUID().slice(0, 8)}`;
          return trpc(limited, "auth.register", {
            headers,
            input: {
              username,
              email: `${username}@example.com`,
              name: username,
              password: "tangerine-orbit-47",
            },
          });
        };
        const headers = { "x-forwarded-for": "203.0.113.9" };
        for (let i = 0; i < 3; i += 1) expect((await register(headers)).status).toBe(200);
        const refused = await register(headers);
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
        // Another client is not affected.
        expect((await register({ "x-forwarded-for": "203.0.113.10" })).status).toBe(200);
      } finally {
        await limited.close();
      }
    });
  });

  describe("text no database stores is a 400 naming the field (#9)", () => {
    const unstorable = {
      NUL: "a\u0000b",
      "a control character": "a\u0007b",
      "a lone surrogate": "a\ud800b",
    };
    for (const [what, text] of Object.entries(unstorable)) {
      it(`${what} in a login name, a registration, a post and a cursor`, async () => {
        const headers = fromNewAddress();
        const loginAttempt = await login(text, "tangerine-orbit-47", headers);
        expect(loginAttempt.status).toBe(400);
        expect(loginAttempt.error?.data.fieldErrors).toHaveProperty("username");

        const username = `nul${randomUUID().slice(0, 8)}`;
        const registered = await trpc(server, "auth.register", {
          headers,
          input: {
            username,
            email: `${username}@example.com`,
            name: text,
            password: "tangerine-orbit-47",
          },
        });
        expect(registered.status).toBe(400);
        expect(registered.error?.data.fieldErrors).toHaveProperty("name");
        expect((await login(username, "tangerine-orbit-47", headers)).status).toBe(401);

        const { tokens } = await registerAndLogin(server);
        const post = await trpc(server, "posts.create", {
          token: tokens.accessToken,
          input: { title: text, content: "fine" },
        });
        expect(post.status).toBe(400);
        expect(post.error?.data.fieldErrors).toHaveProperty("title");
        const cursor = Buffer.from(JSON.stringify([text, text])).toString("base64url");
        const page = await trpc(server, "posts.list", {
          query: true,
          token: tokens.accessToken,
          input: { cursor },
        });
        expect(page.status).toBe(400);
        expect(page.error?.data.fieldErrors).toHaveProperty("cursor");

        // A form cannot carry a lone surrogate: percent-decoding makes it U+FFFD.
        if (what === "a lone surrogate") return;
        const grant = await postForm(
          server,
          "/oauth/token",
          `grant_type=password&username=${encodeURIComponent(text)}&password=x`,
          headers,
        );
        expect(grant.status).toBe(400);
        expect(grant.body.error).toBe("invalid_request");
        expect(String(grant.body.error_description)).toContain("username");
        const basic = Buffer.from(`${encodeURIComponent(text)}:secret`).toString("base64");
        const client = await postForm(
          server,
          "/oauth/token",
          { grant_type: "client_credentials" },
          { ...headers, authorization: `Basic ${basic}` },
        );
        expect(client.status).toBe(400);
        expect(String(client.body.error_description)).toContain("client_id");
      });
    }
  });

  describe("client authentication (#8)", () => {
    let clientId: string;
    let clientSecret: string;
    beforeAll(async () => {
      const admin = (await registerAdmin(server, fromNewAddress())).accessToken;
      const created = await trpc<{ clientId: string; clientSecret: string }>(
        server,
        "admin.clients.create",
        { token: admin, input: { name: "reports", scopes: ["users:read"] } },
      );
      clientId = created.data?.clientId as string;
      clientSecret = created.data?.clientSecret as string;
    });

    const grant = (secret: string, headers: Record<string, string>) =>
      postForm(
        server,
        "/oauth/token",
        { grant_type: "client_credentials", client_id: clientId, client_secret: secret },
        headers,
      );

    it("wrong secrets from anyone never lock the client out", async () => {
      for (let i = 0; i < 12; i += 1) {
        expect((await grant("wrong-secret", fromNewAddress())).status).toBe(401);
      }
      expect((await grant(clientSecret, fromNewAddress())).status).toBe(200);
    });

    it("more than 100 failures from one IP in 15 minutes: 429 for that IP only", async () => {
      const attacker = fromNewAddress();
      for (let i = 0; i < 100; i += 1) expect((await grant("wrong", attacker)).status).toBe(401);
      const refused = await grant(clientSecret, attacker);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await grant(clientSecret, fromNewAddress())).status).toBe(200);
    });
  });

  describe("answers carrying a token or a secret are never cached (#12)", () => {
    it("auth.login, auth.refresh, admin.clients.create and the token endpoint say no-store", async () => {
      const { user, password, tokens } = await registerAndLogin(server);
      const noStore = (headers: Headers) => [headers.get("cache-control"), headers.get("pragma")];
      const loggedIn = await login(user.username, password, fromNewAddress());
      expect(noStore(loggedIn.headers)).toEqual(["no-store", "no-cache"]);
      const refreshed = await trpc(server, "auth.refresh", {
        input: { refreshToken: tokens.refreshToken },
      });
      expect(refreshed.status).toBe(200);
      expect(noStore(refreshed.headers)).toEqual(["no-store", "no-cache"]);
      await server.running.deps.warden.users.setRole(user.id, "admin");
      const admin = (await login(user.username, password, fromNewAddress())).data
        ?.accessToken as string;
      const created = await trpc(server, "admin.clients.create", {
        token: admin,
        input: { name: "cache-check", scopes: [] },
      });
      expect(created.status).toBe(200);
      expect(noStore(created.headers)).toEqual(["no-store", "no-cache"]);
      const grant = await postForm(server, "/oauth/token", {
        grant_type: "password",
        username: user.username,
        password,
      });
      expect(noStore(grant.headers)).toEqual(["no-store", "no-cache"]);
      // A batch with a login in it is one response: it carries the token too.
      const batch = await fetch(`${server.url}/trpc/auth.logout,auth.login?batch=1`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ 0: {}, 1: { username: user.username, password } }),
      });
      expect(batch.status).toBe(207);
      expect(noStore(batch.headers)).toEqual(["no-store", "no-cache"]);
    });
  });

  describe("proxies (#15)", () => {
    it("without TRUST_PROXY, X-Forwarded-For is ignored: a forged header buys no new budget", async () => {
      const direct = await startTestServer(current(), { REGISTER_RATE_LIMIT: "2/10m" });
      try {
        const register = (n: number) => {
          const username = `xff${randomUUID().slice(0, 8)}`;
          return trpc(direct, "auth.register", {
            headers: { "x-forwarded-for": `192.0.2.${n}` },
            input: {
              username,
              email: `${username}@example.com`,
              name: username,
              password: "tangerine-orbit-47",
            },
          });
        };
        expect((await register(1)).status).toBe(200);
        expect((await register(2)).status).toBe(200);
        expect((await register(3)).status).toBe(429);
      } finally {
        await direct.close();
      }
    });

    it("IPv6 clients are counted per /64", async () => {
      const limited = await startTestServer(current(), {
        TRUST_PROXY: "1",
        REGISTER_RATE_LIMIT: "2/10m",
      });
      try {
        const register = (address: string) => {
          const username = `six${randomUUID().slice(0, 8)}`;
          return trpc(limited, "auth.register", {
            headers: { "x-forwarded-for": address },
            input: {
              username,
              email: `${username}@example.com`,
              name: username,
              password: "tangerine-orbit-47",
            },
          });
        };
        expect((await register("2001:db8:1:2::1")).status).toBe(200);
        expect((await register("2001:db8:1:2:ffff::9")).status).toBe(200);
        expect((await register("2001:0db8:0001:0002:abcd::1")).status).toBe(429);
        expect((await register("2001:db8:1:3::1")).status).toBe(200);
      } finally {
        await limited.close();
      }
    });
  });

  describe("the last-admin rule (#16)", () => {
    it("two admins demoting each other at once: exactly one succeeds", async () => {
      for (let round = 0; round < 3; round += 1) {
        // A database of its own: the rule counts every active admin there is.
        const target = databaseTargets().find((t) => t.dialect === current().dialect);
        const database = await createTestDatabase(target as DatabaseTarget);
        await migrateToLatest(database.database.db);
        const isolated = await startTestServer(database);
        try {
          const admins = await Promise.all([
            registerAndLogin(isolated),
            registerAndLogin(isolated),
          ]);
          for (const admin of admins) {
            await isolated.running.deps.warden.users.setRole(admin.user.id, "admin");
          }
          const tokens = await Promise.all(
            admins.map(
              async (admin) =>
                (
                  await trpc<TokenPairBody>(isolated, "auth.login", {
                    input: { username: admin.user.username, password: admin.password },
                  })
                ).data?.accessToken as string,
            ),
          );
          const [first, second] = admins;
          const results = await Promise.all([
            trpc(isolated, "admin.users.setRole", {
              token: tokens[0],
              input: { id: second?.user.id, role: "user" },
            }),
            trpc(isolated, "admin.users.setRole", {
              token: tokens[1],
              input: { id: first?.user.id, role: "user" },
            }),
          ]);
          const outcomes = results.map((result) => result.status).sort();
          // 200 for the winner; the loser is refused as the last admin (409), or, when the
          // winner's demotion ended its session first, its token no longer works (401).
          expect(outcomes[0]).toBe(200);
          expect([401, 409]).toContain(outcomes[1]);
          const remaining = await isolated.running.deps.warden.users.list({ limit: 100 });
          expect(remaining.items.filter((user) => user.role === "admin")).toHaveLength(1);
        } finally {
          await isolated.close();
          await database.drop();
        }
      }
    });
  });
});

// The bcrypt queue is the process's, whatever the database: tried once, on SQLite.
describe("password work waiting beyond 64 per core is turned away (#6) [sqlite]", () => {
  let server: TestServer;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase(databaseTargets()[0] as DatabaseTarget);
    await migrateToLatest(database.database.db);
    server = await startTestServer(database, { TRUST_PROXY: "1" });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it("300 logins at once: those past the queue get 503 with Retry-After, none a 500, and then logins work", async () => {
    const { user, password } = await registerAndLogin(server);
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        trpc(server, "auth.login", {
          input: { username: `nobody${i}`, password: "wrong-password-7" },
          headers: { "x-forwarded-for": `192.0.2.${i % 4}` },
        }),
      ),
    );
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status >= 500 && status !== 503)).toEqual([]);
    const busy = results.filter((result) => result.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status === 401).length).toBeGreaterThan(0);
    for (const refused of busy) {
      expect(refused.headers.get("retry-after")).toBe("1");
      expect(refused.error?.data.code).toBe("SERVICE_UNAVAILABLE");
    }
    const after = await trpc(server, "auth.login", {
      input: { username: user.username, password },
      headers: { "x-forwarded-for": "192.0.2.200" },
    });
    expect(after.status).toBe(200);
  });
});
