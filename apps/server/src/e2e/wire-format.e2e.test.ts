import { describeEachDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { registerAndLogin, startTestServer, type TestServer } from "../testing/test-server.js";

// Single GET queries are answered by the fast path (http/query-fast-path.ts),
// batches by tRPC's adapter: a client must not be able to tell them apart.
describeEachDatabase("wire format of the query fast path", (current) => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer(current());
    token = (await registerAndLogin(server)).tokens.accessToken;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  const both = async (path: string, input: unknown, headers: Record<string, string> = {}) => {
    const encoded = input === undefined ? "" : encodeURIComponent(JSON.stringify(input));
    const single = await fetch(`${server.url}/trpc/${path}${encoded ? `?input=${encoded}` : ""}`, {
      headers,
    });
    const batched = await fetch(
      `${server.url}/trpc/${path}?batch=1${encoded ? `&input=${encodeURIComponent(JSON.stringify({ 0: input }))}` : ""}`,
      { headers },
    );
    return {
      single: {
        status: single.status,
        body: await single.json(),
        challenge: single.headers.get("www-authenticate"),
        type: single.headers.get("content-type"),
        vary: single.headers.get("vary"),
      },
      batched: {
        status: batched.status,
        body: ((await batched.json()) as unknown[])[0],
        challenge: batched.headers.get("www-authenticate"),
        type: batched.headers.get("content-type"),
        vary: batched.headers.get("vary"),
      },
    };
  };

  it.each([
    ["a success", "users.me", undefined, true],
    ["no token", "users.me", undefined, false],
    ["a bad token", "users.me", undefined, "bad"],
    ["invalid input", "system.hello", { name: "" }, false],
    ["not found", "users.byId", { id: "missing" }, true],
    ["a success with input", "system.hello", { name: "Ada" }, false],
  ] as const)("%s answers the same either way", async (_, path, input, auth) => {
    const headers: Record<string, string> =
      auth === true
        ? { authorization: `Bearer ${token}` }
        : auth === "bad"
          ? { authorization: "Bearer x.y.z" }
          : {};
    const { single, batched } = await both(path, input, headers);
    expect(single.body).toEqual(batched.body);
    expect(single.status).toBe(batched.status);
    expect(single.challenge).toBe(batched.challenge);
    expect(single.type).toBe(batched.type);
    expect(single.vary).toBe(batched.vary);
  });

  it("a mutation sent with GET, unknown paths and bad input encodings are left to tRPC's adapter", async () => {
    expect((await fetch(`${server.url}/trpc/auth.login`)).status).toBe(405);
    expect((await fetch(`${server.url}/trpc/no.such.path`)).status).toBe(404);
    expect((await fetch(`${server.url}/trpc/system.hello?input=%7Bnot-json`)).status).toBe(400);
  });
});

// Single JSON POST mutations take the same fast path; a batch of one goes
// through tRPC's adapter: the same answers, the same headers.
describeEachDatabase("wire format of the mutation fast path", (current) => {
  let server: TestServer;
  let token: string;
  let username: string;
  let password: string;
  beforeAll(async () => {
    server = await startTestServer(current());
    const registered = await registerAndLogin(server);
    token = registered.tokens.accessToken;
    username = registered.user.username;
    password = registered.password;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  const HEADERS = [
    "content-type",
    "vary",
    "cache-control",
    "pragma",
    "www-authenticate",
    "retry-after",
  ];
  const post = async (url: string, body: string | undefined, headers: Record<string, string>) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body }),
    });
    return {
      status: response.status,
      body: (await response.json()) as unknown,
      headers: Object.fromEntries(HEADERS.map((name) => [name, response.headers.get(name)])),
    };
  };
  const both = async (path: string, input: unknown, headers: Record<string, string> = {}) => {
    const single = await post(
      `${server.url}/trpc/${path}`,
      input === undefined ? undefined : JSON.stringify(input),
      headers,
    );
    const batched = await post(
      `${server.url}/trpc/${path}?batch=1`,
      JSON.stringify(input === undefined ? {} : { 0: input }),
      headers,
    );
    return { single, batched: { ...batched, body: (batched.body as unknown[])[0] } };
  };
  /** Values that differ on every call (tokens, ids, times) as their types: the shape is compared. */
  const shape = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(shape)
      : value !== null && typeof value === "object"
        ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shape(item)]))
        : typeof value === "string"
          ? "string"
          : value;

  it.each([
    ["a login", "auth.login", (): unknown => ({ username, password }), false],
    [
      "a wrong password",
      "auth.login",
      (): unknown => ({ username, password: "not-the-password" }),
      false,
    ],
    ["invalid input", "auth.login", (): unknown => ({ username: "" }), false],
    ["no input", "auth.login", (): unknown => undefined, false],
    ["a NUL", "posts.create", (): unknown => ({ title: "a\u0000b", content: "x" }), true],
    ["no token", "posts.create", (): unknown => ({ title: "T", content: "x" }), false],
    ["a bad token", "posts.create", (): unknown => ({ title: "T", content: "x" }), "bad"],
    [
      "a post",
      "posts.create",
      (): unknown => ({ title: "T", content: "x", published: true }),
      true,
    ],
    ["not found", "posts.delete", (): unknown => ({ id: "missing" }), true],
  ] as const)("%s answers the same either way", async (_, path, input, auth) => {
    const headers: Record<string, string> =
      auth === true
        ? { authorization: `Bearer ${token}` }
        : auth === "bad"
          ? { authorization: "Bearer x.y.z" }
          : {};
    const { single, batched } = await both(path, input(), headers);
    expect(shape(single.body)).toEqual(shape(batched.body));
    if ("error" in (single.body as object)) expect(single.body).toEqual(batched.body);
    expect(single.status).toBe(batched.status);
    expect(single.headers).toEqual(batched.headers);
  });

  it("a login's answer is never stored (no-store), on the fast path too", async () => {
    const { single } = await both("auth.login", { username, password });
    expect(single.status).toBe(200);
    expect(single.headers["cache-control"]).toBe("no-store");
    expect(single.headers.pragma).toBe("no-cache");
  });

  it("other media types, bad JSON and streaming calls are left to tRPC's adapter", async () => {
    const login = `${server.url}/trpc/auth.login`;
    const body = JSON.stringify({ username, password });
    const bad = await fetch(login, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not-json",
    });
    expect(bad.status).toBe(400);
    // tRPC's own answer to a body it cannot parse.
    expect(await bad.json()).toMatchObject({
      error: { data: { code: "BAD_REQUEST", httpStatus: 400, path: "auth.login" } },
    });
    const text = await fetch(login, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body,
    });
    expect(text.status).toBe(415);
    const streaming = await fetch(login, {
      method: "POST",
      headers: { "content-type": "application/json", "trpc-accept": "application/jsonl" },
      body,
    });
    expect(streaming.status).toBe(400);
    expect(await streaming.text()).toContain("Streaming requests must be batched");
  });
});
