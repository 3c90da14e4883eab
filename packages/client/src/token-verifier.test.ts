import { createServer, type Server } from "node:http";
import type { SpawnedServer } from "@warden/server/testing";
import { spawnWardenServer } from "@warden/server/testing";
import type { CryptoKey, JWK } from "jose";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { VerifiedAccessToken } from "./access-token-claims.js";
import { createWardenClient } from "./create-client.js";
import { createMemoryTokenStore } from "./token-store.js";
import { createTokenVerifier, InvalidTokenError } from "./token-verifier.js";

function tamper(token: string): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<
    string,
    unknown
  >;
  const forged = Buffer.from(JSON.stringify({ ...claims, role: "admin" })).toString("base64url");
  return [header, forged, signature].join(".");
}

async function rejection(promise: Promise<unknown>): Promise<InvalidTokenError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof InvalidTokenError)) throw new Error(`expected InvalidTokenError`);
  return error;
}

describe("createTokenVerifier against the real server's JWKS", () => {
  let server: SpawnedServer;
  let token: string;

  beforeAll(async () => {
    server = await spawnWardenServer();
    const store = createMemoryTokenStore();
    const client = createWardenClient({ url: server.url, tokenStore: store });
    await client.auth.register.mutate({
      username: "verified_user",
      email: "verified@example.com",
      name: "Verified",
      password: "tangerine-orbit-47",
    });
    await client.auth.login.mutate({ username: "verified_user", password: "tangerine-orbit-47" });
    token = store.get()?.accessToken ?? "";
  });
  afterAll(async () => {
    await server?.stop();
  });

  const verifier = () =>
    createTokenVerifier({
      issuer: server.url,
      audience: server.url,
      jwksUrl: `${server.url}/.well-known/jwks.json`,
    });

  it("returns typed claims of a user token", async () => {
    const verified = await verifier().verify(token);
    expectTypeOf(verified).toEqualTypeOf<VerifiedAccessToken>();
    expect(verified.kind).toBe("user");
    if (verified.kind !== "user") return;
    expectTypeOf(verified.claims.role).toEqualTypeOf<"user" | "admin">();
    expect(verified.claims).toMatchObject({
      iss: server.url,
      role: "user",
      client_id: "warden",
      sid: expect.any(String),
      jti: expect.any(String),
    });
  });

  it("refuses a tampered token", async () => {
    const error = await rejection(verifier().verify(tamper(token)));
    expect(error.code).toBe("TOKEN_INVALID");
  });

  it("refuses another audience, another issuer, another algorithm", async () => {
    const base = { issuer: server.url, jwksUrl: `${server.url}/.well-known/jwks.json` };
    await rejection(createTokenVerifier({ ...base, audience: "https://other" }).verify(token));
    await rejection(
      createTokenVerifier({ ...base, audience: server.url, issuer: "https://evil" }).verify(token),
    );
    await rejection(
      createTokenVerifier({ ...base, audience: server.url, algorithms: ["RS256"] }).verify(token),
    );
  });

  it("refuses garbage", async () => {
    await rejection(verifier().verify("not.a.jwt"));
    await rejection(verifier().verify(""));
  });
});

describe("createTokenVerifier with keys of its own", () => {
  const issuer = "http://issuer.test";
  let jwksServer: Server;
  let jwksUrl: string;
  let privateKey: CryptoKey;
  let publicJwk: JWK;
  let jwksFetches = 0;

  beforeAll(async () => {
    const pair = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    privateKey = pair.privateKey;
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "EdDSA", use: "sig" };
    jwksServer = createServer((_request, response) => {
      jwksFetches += 1;
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
    const address = jwksServer.address();
    if (typeof address !== "object" || !address) throw new Error("no address");
    jwksUrl = `http://127.0.0.1:${address.port}/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((resolve) => jwksServer.close(resolve));
  });

  const now = () => Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT({ jti: crypto.randomUUID(), ...claims })
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: "k1", ...header })
      .setIssuer(issuer)
      .setAudience(issuer)
      .setSubject("subject-1")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
  const verifier = () => createTokenVerifier({ issuer, audience: issuer, jwksUrl });
  // A user token as the server signs it: Warden itself is its client.
  const userClaims = { sid: "s1", role: "user", client_id: "warden" };

  it("accepts a service token and splits its scopes", async () => {
    const token = await sign({ scope: "users:read other", client_id: "subject-1" });
    const verified = await verifier().verify(token);
    expect(verified).toMatchObject({ kind: "service", scopes: ["users:read", "other"] });
  });

  it("fetches the key set once and caches it", async () => {
    const shared = verifier();
    const before = jwksFetches;
    for (let index = 0; index < 3; index += 1) {
      await shared.verify(await sign(userClaims));
    }
    expect(jwksFetches - before).toBe(1);
  });

  it("refuses a token that carries its own key (jwk, jku, x5u, x5c)", async () => {
    for (const header of [
      { jwk: publicJwk },
      { jku: "http://evil.test/jwks.json" },
      { x5u: "http://evil.test/cert" },
      { x5c: ["MIIB"] },
    ]) {
      const error = await rejection(verifier().verify(await sign(userClaims, header)));
      expect(error.message).toMatch(/own key/);
    }
  });

  it("refuses another typ, an expired token, missing jti, unexpected claims", async () => {
    await rejection(verifier().verify(await sign(userClaims, { typ: "JWT" })));
    const expired = await new SignJWT({ ...userClaims, jti: "j" })
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: "k1" })
      .setIssuer(issuer)
      .setAudience(issuer)
      .setSubject("subject-1")
      .setIssuedAt(now() - 120)
      .setExpirationTime(now() - 60)
      .sign(privateKey);
    expect((await rejection(verifier().verify(expired))).code).toBe("TOKEN_EXPIRED");
    await rejection(verifier().verify(await sign({ ...userClaims, jti: undefined })));
    await rejection(verifier().verify(await sign({ ...userClaims, role: "root" })));
    // A user token names its client, as the server's always do.
    await rejection(verifier().verify(await sign({ ...userClaims, client_id: undefined })));
    // A service token must name itself as its client.
    await rejection(verifier().verify(await sign({ scope: "x", client_id: "someone-else" })));
  });

  it("refuses an unsigned token", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt" })).toString(
      "base64url",
    );
    const body = Buffer.from(
      JSON.stringify({ iss: issuer, aud: issuer, sub: "s", iat: now(), exp: now() + 60, jti: "j" }),
    ).toString("base64url");
    await rejection(verifier().verify(`${header}.${body}.`));
  });
});
