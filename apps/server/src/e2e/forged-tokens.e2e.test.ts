import { generateKeyPairSync } from "node:crypto";
import { createTestDatabase, databaseTargets, type TestDatabase } from "@warden/auth-core/testing";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  registerAndLogin,
  startTestServer,
  TEST_ISSUER,
  type TestServer,
  trpc,
} from "../testing/test-server.js";

describe("forged and expired tokens over HTTP [sqlite]", () => {
  let database: TestDatabase;
  let server: TestServer;
  let token: string;
  let kid: string;
  beforeAll(async () => {
    const sqlite = databaseTargets().find((target) => target.dialect === "sqlite");
    database = await createTestDatabase(sqlite as never);
    server = await startTestServer(database, { ACCESS_TOKEN_TTL: "2" });
    token = (await registerAndLogin(server)).tokens.accessToken;
    kid = JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString()).kid;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  const refused = async (forged: string) => {
    const result = await trpc(server, "users.me", { query: true, token: forged });
    expect(result.status).toBe(401);
    expect(result.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  };
  const claims = () =>
    JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString());

  it("alg none", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt", kid })).toString(
      "base64url",
    );
    const payload = Buffer.from(JSON.stringify({ ...claims(), role: "admin" })).toString(
      "base64url",
    );
    await refused(`${header}.${payload}.`);
  });

  it("another key under the same kid", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    await refused(
      await new SignJWT(claims())
        .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid })
        .sign(privateKey),
    );
  });

  it("a tampered payload", async () => {
    const [h, , s] = token.split(".");
    const payload = Buffer.from(JSON.stringify({ ...claims(), role: "admin" })).toString(
      "base64url",
    );
    await refused(`${h}.${payload}.${s}`);
  });

  it("an expired token, via a short TTL", async () => {
    const { tokens } = await registerAndLogin(server);
    expect(
      (await trpc(server, "users.me", { query: true, token: tokens.accessToken })).status,
    ).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3100));
    await refused(tokens.accessToken);
  });

  it("a token for another issuer", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const forged = await new SignJWT({ ...claims(), iss: "http://evil.test" })
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid })
      .sign(privateKey);
    expect(TEST_ISSUER).not.toBe("http://evil.test");
    await refused(forged);
  });
});
