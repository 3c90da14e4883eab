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
      },
      batched: {
        status: batched.status,
        body: ((await batched.json()) as unknown[])[0],
        challenge: batched.headers.get("www-authenticate"),
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
    expect(single.type).toMatch(/^application\/json/);
  });

  it("mutations, unknown paths and bad input encodings are left to tRPC's adapter", async () => {
    expect((await fetch(`${server.url}/trpc/auth.login`)).status).toBe(405);
    expect((await fetch(`${server.url}/trpc/no.such.path`)).status).toBe(404);
    expect((await fetch(`${server.url}/trpc/system.hello?input=%7Bnot-json`)).status).toBe(400);
  });
});
