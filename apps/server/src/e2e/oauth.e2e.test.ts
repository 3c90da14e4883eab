import { describeEachDatabase } from "@warden/auth-core/testing";
import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  postForm,
  registerAndLogin,
  startTestServer,
  TEST_ISSUER,
  type TestServer,
  trpc,
} from "../testing/test-server.js";

describeEachDatabase("OAuth endpoints", (current) => {
  let server: TestServer;
  let username: string;
  const password = "tangerine-orbit-47";
  beforeAll(async () => {
    server = await startTestServer(current());
    username = (await registerAndLogin(server)).user.username;
  });
  afterAll(async () => server?.close());

  it("password grant: RFC 6749 §5.1 body with Cache-Control: no-store", async () => {
    const response = await postForm(server, "/oauth/token", {
      grant_type: "password",
      username,
      password,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.body).toEqual({
      access_token: expect.any(String),
      token_type: "Bearer",
      expires_in: 900,
      refresh_token: expect.any(String),
    });
    const me = await trpc(server, "users.me", {
      query: true,
      token: response.body.access_token as string,
    });
    expect(me.status).toBe(200);
  });

  it("refresh_token grant rotates; the old refresh token is then invalid_grant", async () => {
    const first = await postForm(server, "/oauth/token", {
      grant_type: "password",
      username,
      password,
    });
    const second = await postForm(server, "/oauth/token", {
      grant_type: "refresh_token",
      refresh_token: first.body.refresh_token as string,
    });
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    const reused = await postForm(server, "/oauth/token", {
      grant_type: "refresh_token",
      refresh_token: first.body.refresh_token as string,
    });
    expect(reused.status).toBe(400);
    expect(reused.body).toEqual({ error: "invalid_grant", error_description: expect.any(String) });
  });

  it.each([
    [
      "a wrong password",
      { grant_type: "password", username: "someone", password: "wrong-password-9" },
      400,
      "invalid_grant",
    ],
    [
      "a missing parameter",
      { grant_type: "password", username: "someone" },
      400,
      "invalid_request",
    ],
    ["no grant_type", { username: "x" }, 400, "invalid_request"],
    [
      "an unknown grant",
      { grant_type: "authorization_code", code: "x" },
      400,
      "unsupported_grant_type",
    ],
    [
      "a scope on a password grant",
      { grant_type: "password", username: "someone", password: "x", scope: "admin" },
      400,
      "invalid_scope",
    ],
    [
      "a garbage refresh token",
      { grant_type: "refresh_token", refresh_token: "garbage" },
      400,
      "invalid_grant",
    ],
  ])("%s is a §5.2 error", async (_, fields, status, error) => {
    const response = await postForm(server, "/oauth/token", fields as Record<string, string>);
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error, error_description: expect.any(String) });
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("a repeated parameter or a JSON body is invalid_request", async () => {
    const repeated = await postForm(
      server,
      "/oauth/token",
      `grant_type=password&username=${username}&username=other&password=x`,
    );
    expect(repeated.body.error).toBe("invalid_request");
    const json = await fetch(`${server.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "password", username, password }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe("invalid_request");
  });

  it("revocation (RFC 7009) ends the session; unknown tokens still get 200", async () => {
    const login = await postForm(server, "/oauth/token", {
      grant_type: "password",
      username,
      password,
    });
    const revoked = await postForm(server, "/oauth/revoke", {
      token: login.body.refresh_token as string,
      token_type_hint: "refresh_token",
    });
    expect(revoked.status).toBe(200);
    expect(
      (await trpc(server, "users.me", { query: true, token: login.body.access_token as string }))
        .status,
    ).toBe(401);
    expect(
      (
        await postForm(server, "/oauth/token", {
          grant_type: "refresh_token",
          refresh_token: login.body.refresh_token as string,
        })
      ).status,
    ).toBe(400);
    expect((await postForm(server, "/oauth/revoke", { token: "never-issued" })).status).toBe(200);
    expect((await postForm(server, "/oauth/revoke", {})).body.error).toBe("invalid_request");
  });

  it("the JWKS verifies issued tokens (RFC 9068 header) and holds no private part", async () => {
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) expect(key).not.toHaveProperty("d");
    const login = await postForm(server, "/oauth/token", {
      grant_type: "password",
      username,
      password,
    });
    const { payload, protectedHeader } = await jwtVerify(
      login.body.access_token as string,
      createLocalJWKSet(jwks as never),
      {
        issuer: TEST_ISSUER,
        audience: TEST_ISSUER,
        typ: "at+jwt",
        algorithms: ["EdDSA"],
      },
    );
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload).toMatchObject({
      sub: expect.any(String),
      sid: expect.any(String),
      role: "user",
      jti: expect.any(String),
    });
  });

  it("metadata (RFC 8414) names the endpoints", async () => {
    const metadata = (await (
      await fetch(`${server.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: TEST_ISSUER,
      token_endpoint: `${TEST_ISSUER}/oauth/token`,
      revocation_endpoint: `${TEST_ISSUER}/oauth/revoke`,
      introspection_endpoint: `${TEST_ISSUER}/oauth/introspect`,
      jwks_uri: `${TEST_ISSUER}/.well-known/jwks.json`,
    });
  });

  it("healthz and readyz answer", async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({
      status: "ok",
      database: "ok",
    });
  });
});
