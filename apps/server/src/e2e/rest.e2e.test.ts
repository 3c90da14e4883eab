import { describeEachDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restRoutes } from "../rest/rest-routes.js";
import { appRouter } from "../router.js";
import {
  registerAdmin,
  registerAndLogin,
  startTestServer,
  type TestServer,
  trpc,
} from "../testing/test-server.js";

interface RestResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

interface Problem {
  type: string;
  status: number;
  title: string;
  detail: string;
  code: string;
  errors?: Record<string, string[]>;
  retryAfter?: number;
}

/** One REST call, as a client in any language makes it: JSON in, JSON out. */
async function rest<T = unknown>(
  server: { url: string },
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<RestResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : undefined) as T,
  };
}

/** The routes issue #14 lists, exactly, the health check, and those account recovery (#15) added. */
const EXPECTED_ROUTES = [
  "GET /api/hello/{name}",
  "GET /api/health",
  "POST /api/auth/register",
  "POST /api/auth/login",
  "POST /api/auth/refresh",
  "POST /api/auth/logout",
  "GET /api/auth/verify",
  "GET /api/users/me",
  "GET /api/users/{id}",
  "POST /api/users/me/password",
  "GET /api/sessions",
  "DELETE /api/sessions/{id}",
  "DELETE /api/sessions",
  "GET /api/posts",
  "POST /api/posts",
  "GET /api/posts/{id}",
  "PATCH /api/posts/{id}",
  "DELETE /api/posts/{id}",
  "GET /api/admin/users",
  "PUT /api/admin/users/{id}/role",
  "PUT /api/admin/users/{id}/disabled",
  "GET /api/admin/clients",
  "POST /api/admin/clients",
  "DELETE /api/admin/clients/{clientId}",
  "GET /api/admin/audit",
  "POST /api/auth/verify-email",
  "POST /api/auth/resend-verification",
  "POST /api/auth/request-password-reset",
  "POST /api/auth/reset-password",
  "PATCH /api/users/me",
  "POST /api/users/me/email",
  "POST /api/users/delete-account",
  // Two-factor login (#16).
  "POST /api/auth/verify-mfa",
  "POST /api/users/me/totp/setup",
  "POST /api/users/me/totp/enable",
  "POST /api/users/me/totp/disable",
  "POST /api/users/me/totp/regenerate-recovery-codes",
  "POST /api/admin/users/{id}/reset-two-factor",
  "DELETE /api/admin/users/{id}",
];

describe("the REST surface", () => {
  it("gives every procedure a route, and the routes are exactly the documented ones", () => {
    const routes = restRoutes();
    expect(routes.map((route) => route.procedurePath).sort()).toEqual(
      Object.keys(appRouter._def.procedures).sort(),
    );
    expect(routes.map((route) => `${route.method} ${route.path}`).sort()).toEqual(
      [...EXPECTED_ROUTES].sort(),
    );
  });
});

describeEachDatabase("REST routes over HTTP", (current) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(current(), { REGISTER_RATE_LIMIT: "off" });
  });
  afterAll(async () => server?.close());

  it("registers (201), logs in, reads the account, and takes path and query parameters", async () => {
    const hello = await rest<{ message: string }>(server, "GET", "/api/hello/Ada%20L");
    expect(hello).toMatchObject({ status: 200, body: { message: "Hello, Ada L!" } });
    expect(hello.headers.get("content-type")).toMatch(/^application\/json/);

    const registered = await rest<{ id: string; username: string }>(
      server,
      "POST",
      "/api/auth/register",
      {
        body: {
          username: "rest_ada",
          email: "rest_ada@example.com",
          name: "Ada",
          password: "tangerine-orbit-47",
        },
      },
    );
    expect(registered.status).toBe(201);
    expect(registered.body.username).toBe("rest_ada");
    expect(JSON.stringify(registered.body)).not.toMatch(/password|hash/i);

    const login = await rest<{ accessToken: string; refreshToken: string; tokenType: string }>(
      server,
      "POST",
      "/api/auth/login",
      { body: { username: "rest_ada", password: "tangerine-orbit-47" } },
    );
    expect(login.status).toBe(200);
    expect(login.body.tokenType).toBe("Bearer");
    expect(login.headers.get("cache-control")).toBe("no-store");
    const token = login.body.accessToken;

    const me = await rest<{ id: string; email: string }>(server, "GET", "/api/users/me", { token });
    expect(me).toMatchObject({ status: 200, body: { id: registered.body.id } });
    const byId = await rest<{ id: string; email?: string }>(
      server,
      "GET",
      `/api/users/${registered.body.id}`,
      { token },
    );
    expect(byId.status).toBe(200);
    expect(byId.body.email).toBeUndefined();
    const verify = await rest<{ valid: boolean; claims: { sub: string } }>(
      server,
      "GET",
      "/api/auth/verify",
      { token },
    );
    expect(verify.body).toMatchObject({ valid: true, claims: { sub: registered.body.id } });

    const refreshed = await rest<{ accessToken: string; refreshToken: string }>(
      server,
      "POST",
      "/api/auth/refresh",
      { body: { refreshToken: login.body.refreshToken } },
    );
    expect(refreshed.status).toBe(200);
    // The old refresh token died with its use: a second use is refused.
    const reused = await rest<Problem>(server, "POST", "/api/auth/refresh", {
      body: { refreshToken: login.body.refreshToken },
    });
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe("UNAUTHORIZED");
  });

  it("writes, pages, changes and deletes posts; a stranger sees 404", async () => {
    const { tokens } = await registerAndLogin(server);
    const token = tokens.accessToken;
    const ids: string[] = [];
    for (const title of ["one", "two", "three"]) {
      const created = await rest<{ id: string; title: string }>(server, "POST", "/api/posts", {
        token,
        body: { title, content: `about ${title}` },
      });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    const first = await rest<{ items: { id: string }[]; nextCursor: string | null }>(
      server,
      "GET",
      "/api/posts?limit=2",
      { token },
    );
    expect(first.body.items.map((post) => post.id)).toEqual([ids[2], ids[1]]);
    const second = await rest<{ items: { id: string }[]; nextCursor: string | null }>(
      server,
      "GET",
      `/api/posts?limit=2&cursor=${encodeURIComponent(first.body.nextCursor ?? "")}`,
      { token },
    );
    expect(second.body.items.map((post) => post.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();

    const updated = await rest<{ title: string; published: boolean }>(
      server,
      "PATCH",
      `/api/posts/${ids[0]}`,
      { token, body: { title: "one, revised", published: true } },
    );
    expect(updated).toMatchObject({
      status: 200,
      body: { title: "one, revised", published: true },
    });
    expect((await rest(server, "GET", `/api/posts/${ids[0]}`, { token })).status).toBe(200);

    const stranger = (await registerAndLogin(server)).tokens.accessToken;
    const notYours = await rest<Problem>(server, "DELETE", `/api/posts/${ids[1]}`, {
      token: stranger,
    });
    expect(notYours.status).toBe(404);
    expect(notYours.headers.get("content-type")).toMatch(/^application\/problem\+json/);

    expect(await rest(server, "DELETE", `/api/posts/${ids[1]}`, { token })).toMatchObject({
      status: 200,
      body: { ok: true },
    });
    expect((await rest(server, "GET", `/api/posts/${ids[1]}`, { token })).status).toBe(404);
  });

  it("lists and ends sessions, changes the password, and logs out", async () => {
    const { user, password } = await registerAndLogin(server);
    const logins = [];
    for (let i = 0; i < 3; i++) {
      const login = await rest<{ accessToken: string; refreshToken: string }>(
        server,
        "POST",
        "/api/auth/login",
        { body: { username: user.username, password } },
      );
      logins.push(login.body);
    }
    const [a, b, c] = logins as [(typeof logins)[0], (typeof logins)[0], (typeof logins)[0]];
    const sessions = await rest<{ id: string; current: boolean }[]>(
      server,
      "GET",
      "/api/sessions",
      {
        token: a.accessToken,
      },
    );
    expect(sessions.body).toHaveLength(4);
    const other = sessions.body.find((session) => !session.current);
    expect(
      (await rest(server, "DELETE", `/api/sessions/${other?.id}`, { token: a.accessToken })).status,
    ).toBe(200);
    expect(await rest(server, "DELETE", "/api/sessions", { token: a.accessToken })).toMatchObject({
      status: 200,
      body: { revoked: 2 },
    });
    // b's and c's sessions ended with them: their access tokens stop at once.
    expect((await rest(server, "GET", "/api/users/me", { token: b.accessToken })).status).toBe(401);
    expect((await rest(server, "GET", "/api/users/me", { token: c.accessToken })).status).toBe(401);

    const wrong = await rest<Problem>(server, "POST", "/api/users/me/password", {
      token: a.accessToken,
      body: { currentPassword: "not-the-password", newPassword: "another-long-pass-9" },
    });
    expect(wrong.status).toBe(400);
    expect(Object.keys(wrong.body.errors ?? {})).toEqual(["currentPassword"]);
    const changed = await rest(server, "POST", "/api/users/me/password", {
      token: a.accessToken,
      body: { currentPassword: password, newPassword: "another-long-pass-9" },
    });
    expect(changed.status).toBe(200);

    const again = await rest<{ accessToken: string; refreshToken: string }>(
      server,
      "POST",
      "/api/auth/login",
      { body: { username: user.username, password: "another-long-pass-9" } },
    );
    // A body-less call sent with `Content-Type: application/json` and nothing after it, as many
    // HTTP clients send every POST and DELETE: no input, not a parse error.
    const emptyJson = { "content-type": "application/json" };
    expect(
      (
        await rest(server, "DELETE", "/api/sessions", {
          token: again.body.accessToken,
          headers: emptyJson,
        })
      ).status,
    ).toBe(200);
    // Logout with no body at all, as curl -X POST sends it.
    expect(
      (await rest(server, "POST", "/api/auth/logout", { token: again.body.accessToken })).status,
    ).toBe(200);
    expect(
      (await rest(server, "GET", "/api/users/me", { token: again.body.accessToken })).status,
    ).toBe(401);
  });

  it("gives admins their routes and nobody else", async () => {
    const admin = await registerAdmin(server);
    const token = admin.accessToken;
    const { user, tokens } = await registerAndLogin(server);

    const forbidden = await rest<Problem>(server, "GET", "/api/admin/users", {
      token: tokens.accessToken,
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe("FORBIDDEN");

    const found = await rest<{ items: { id: string }[] }>(
      server,
      "GET",
      `/api/admin/users?limit=5&query=${encodeURIComponent(user.username)}`,
      { token },
    );
    expect(found.body.items.map((item) => item.id)).toEqual([user.id]);

    const promoted = await rest<{ role: string }>(
      server,
      "PUT",
      `/api/admin/users/${user.id}/role`,
      {
        token,
        body: { role: "admin" },
      },
    );
    expect(promoted).toMatchObject({ status: 200, body: { role: "admin" } });
    const disabled = await rest(server, "PUT", `/api/admin/users/${user.id}/disabled`, {
      token,
      body: { disabled: true },
    });
    expect(disabled.status).toBe(200);

    const client = await rest<{ clientId: string; clientSecret: string }>(
      server,
      "POST",
      "/api/admin/clients",
      { token, body: { name: "billing", scopes: ["users:read"] } },
    );
    expect(client.status).toBe(201);
    expect(client.headers.get("cache-control")).toBe("no-store");
    const clients = await rest<{ clientId: string }[]>(server, "GET", "/api/admin/clients", {
      token,
    });
    expect(clients.body.map((c) => c.clientId)).toContain(client.body.clientId);
    expect(
      (await rest(server, "DELETE", `/api/admin/clients/${client.body.clientId}`, { token }))
        .status,
    ).toBe(200);

    const audit = await rest<{ items: { kind: string; userId?: string }[] }>(
      server,
      "GET",
      `/api/admin/audit?userId=${user.id}&limit=50`,
      { token },
    );
    expect(audit.body.items.map((event) => event.kind)).toEqual(
      expect.arrayContaining(["user.role_changed", "user.disabled"]),
    );
  });

  it("answers the same as the tRPC route for the same call", async () => {
    const { tokens } = await registerAndLogin(server);
    const token = tokens.accessToken;
    const viaTrpc = await trpc(server, "users.me", { query: true, token });
    const viaRest = await rest(server, "GET", "/api/users/me", { token });
    expect(viaRest.body).toEqual(viaTrpc.data);

    const badTrpc = await trpc(server, "posts.create", { token, input: { title: " " } });
    const badRest = await rest<Problem>(server, "POST", "/api/posts", {
      token,
      body: { title: " " },
    });
    expect(badRest.status).toBe(badTrpc.status);
    expect(badRest.body.detail).toBe(badTrpc.error?.message);
    expect(badRest.body.errors).toEqual(badTrpc.error?.data.fieldErrors);
  });
});

describeEachDatabase("REST errors are RFC 9457 problems", (current) => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer(current(), { REGISTER_RATE_LIMIT: "3/10m" });
    token = (await registerAndLogin(server)).tokens.accessToken;
  });
  afterAll(async () => server?.close());

  const expectProblem = (result: RestResult<Problem>, status: number, code: string) => {
    expect(result.status).toBe(status);
    expect(result.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(result.body).toMatchObject({ type: "about:blank", status, code });
    expect(result.body.title.length).toBeGreaterThan(0);
    expect(result.body.detail.length).toBeGreaterThan(0);
  };

  it("names each bad field, and changes nothing", async () => {
    const before = await rest<{ items: unknown[] }>(server, "GET", "/api/posts", { token });
    const bad = await rest<Problem>(server, "POST", "/api/posts", {
      token,
      body: { title: "", content: 5 },
    });
    expectProblem(bad, 400, "BAD_REQUEST");
    expect(bad.body.title).toBe("Bad Request");
    expect(Object.keys(bad.body.errors ?? {}).sort()).toEqual(["content", "title"]);
    const after = await rest<{ items: unknown[] }>(server, "GET", "/api/posts", { token });
    expect(after.body.items).toHaveLength(before.body.items.length);

    const badQuery = await rest<Problem>(server, "GET", "/api/posts?limit=many", { token });
    expectProblem(badQuery, 400, "BAD_REQUEST");
    expect(badQuery.body.errors?.limit).toBeDefined();
    const tooMany = await rest<Problem>(server, "GET", "/api/posts?limit=1000", { token });
    expect(tooMany.body.errors?.limit).toEqual(["must be at most 100"]);
  });

  it("reads only the input's own fields from a query string (constructor, __proto__)", async () => {
    const odd = await rest<{ message: string }>(
      server,
      "GET",
      "/api/hello/x?constructor=1&__proto__=%7B%22a%22%3A1%7D&toString=2",
    );
    expect(odd).toMatchObject({ status: 200, body: { message: "Hello, x!" } });
    const posts = await rest(server, "GET", "/api/posts?constructor=5&limit=2", { token });
    expect(posts.status).toBe(200);
  });

  it("refuses a missing or bad token with WWW-Authenticate, as the tRPC routes do", async () => {
    const none = await rest<Problem>(server, "GET", "/api/users/me");
    expectProblem(none, 401, "UNAUTHORIZED");
    expect(none.headers.get("www-authenticate")).toBe("Bearer");
    const forged = await rest<Problem>(server, "GET", "/api/users/me", { token: "abc.def.ghi" });
    expectProblem(forged, 401, "UNAUTHORIZED");
    expect(forged.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });

  it("refuses bodies that are not a JSON object, and unknown routes", async () => {
    const headers = { authorization: `Bearer ${token}` };
    expectProblem(
      await rest<Problem>(server, "POST", "/api/posts", {
        headers: { ...headers, "content-type": "application/json" },
        rawBody: "{not json",
      }),
      400,
      "BAD_REQUEST",
    );
    expectProblem(
      await rest<Problem>(server, "POST", "/api/posts", { token, body: ["a", "b"] }),
      400,
      "BAD_REQUEST",
    );
    expectProblem(
      await rest<Problem>(server, "POST", "/api/posts", {
        headers: { ...headers, "content-type": "text/plain" },
        rawBody: "title=hi",
      }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    expectProblem(
      await rest<Problem>(server, "POST", "/api/posts", {
        token,
        body: { title: "big", content: "x".repeat(70 * 1024) },
      }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    expectProblem(await rest<Problem>(server, "GET", "/api/nothing/here"), 404, "NOT_FOUND");
    expectProblem(await rest<Problem>(server, "GET", "/api/auth/login"), 404, "NOT_FOUND");
  });

  it("says when to come back with Retry-After, and a conflict as 409", async () => {
    const register = (n: number) =>
      rest<Problem>(server, "POST", "/api/auth/register", {
        body: {
          username: `limited_${n}`,
          email: `limited_${n}@example.com`,
          name: "Limited",
          password: "tangerine-orbit-47",
        },
      });
    // The budget of 3 per address: one registration in beforeAll, two more here.
    expect((await register(1)).status).toBe(201);
    const taken = await register(1);
    expectProblem(taken, 409, "CONFLICT");
    const limited = await register(2);
    expectProblem(limited, 429, "TOO_MANY_REQUESTS");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.body.retryAfter).toBe(Number(limited.headers.get("retry-after")));
  });
});
