import { createHmac, createPrivateKey, generateKeyPairSync } from "node:crypto";
import { base64url, exportJWK, SignJWT, UnsecuredJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../testing/test-warden.js";
import { type AccessTokenService, createAccessTokenService } from "./access-token.js";
import type { KeyRing } from "./key-ring.js";
import { generateSigningKey, type SigningKey, signingKeyFromConfig } from "./signing-key.js";

const issuer = "http://warden.test";
const clock = createManualClock(new Date());

function ringOf(key: SigningKey): KeyRing {
  return {
    current: () => key,
    find: (kid: string) => (kid === key.kid ? key : undefined),
  } as unknown as KeyRing;
}

async function verifyError(service: AccessTokenService, token: string): Promise<string> {
  return service.verify(token).then(
    () => "accepted",
    (e: { code: string }) => e.code,
  );
}

describe.each(["EdDSA", "ES256", "RS256"] as const)("access tokens [%s]", (algorithm) => {
  let key: SigningKey;
  let service: AccessTokenService;
  beforeAll(async () => {
    key = await generateSigningKey(algorithm);
    service = createAccessTokenService({
      keyRing: ringOf(key),
      issuer,
      audience: issuer,
      ttlSeconds: 900,
      clock,
    });
  });

  it("signs a user token that verifies, per RFC 9068", async () => {
    const { token } = await service.signUserToken({ userId: "u1", sessionId: "s1", role: "admin" });
    const header = JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString());
    expect(header).toEqual({ alg: algorithm, typ: "at+jwt", kid: key.kid });
    const subject = await service.verify(token);
    expect(subject).toMatchObject({ kind: "user", userId: "u1", sessionId: "s1", role: "admin" });
    expect(subject.claims).toMatchObject({
      iss: issuer,
      aud: issuer,
      sub: "u1",
      exp: expect.any(Number),
      jti: expect.any(String),
    });
  });

  it("signs a service token with its scope", async () => {
    const { token } = await service.signServiceToken({ clientId: "svc", scopes: ["users:read"] });
    expect(await service.verify(token)).toMatchObject({
      kind: "service",
      clientId: "svc",
      scopes: ["users:read"],
    });
  });

  it("refuses an expired token", async () => {
    const { token } = await service.signUserToken({ userId: "u1", sessionId: "s1", role: "user" });
    clock.advance(901);
    expect(await verifyError(service, token)).toBe("INVALID_TOKEN");
    clock.advance(-901);
  });

  it("a token verified once (and so cached) is still refused once it expires", async () => {
    const { token } = await service.signUserToken({ userId: "u1", sessionId: "s1", role: "user" });
    expect((await service.verify(token)).kind).toBe("user");
    clock.advance(899);
    expect((await service.verify(token)).kind).toBe("user");
    clock.advance(1);
    expect(await verifyError(service, token)).toBe("INVALID_TOKEN");
    clock.advance(-900);
  });

  it("refuses a tampered copy of a token that was verified (and cached)", async () => {
    const { token } = await service.signUserToken({ userId: "u1", sessionId: "s1", role: "user" });
    await service.verify(token);
    const [h, p, s] = token.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    payload.role = "admin";
    expect(
      await verifyError(service, `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`),
    ).toBe("INVALID_TOKEN");
  });

  it("refuses a tampered payload", async () => {
    const { token } = await service.signUserToken({ userId: "u1", sessionId: "s1", role: "user" });
    const [h, p, s] = token.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    payload.role = "admin";
    expect(
      await verifyError(service, `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`),
    ).toBe("INVALID_TOKEN");
  });

  it("refuses a token issued more than a minute in the future, or living longer than the TTL", async () => {
    const header = { alg: algorithm, typ: "at+jwt", kid: key.kid };
    const now = clock.nowSeconds();
    const future = await sign(key.privateKey, header, {
      iat: now + 24 * 3600,
      exp: now + 24 * 3600 + 900,
    });
    expect(await verifyError(service, future)).toBe("INVALID_TOKEN");
    const longLived = await sign(key.privateKey, header, { iat: now, exp: now + 365 * 86400 });
    expect(await verifyError(service, longLived)).toBe("INVALID_TOKEN");
    // The controls: within a minute of skew, and the TTL plus a minute, are accepted.
    const skewed = await sign(key.privateKey, header, { iat: now + 59, exp: now + 59 + 900 });
    expect(await verifyError(service, skewed)).toBe("accepted");
    const atLimit = await sign(key.privateKey, header, { iat: now - 10, exp: now - 10 + 960 });
    expect(await verifyError(service, atLimit)).toBe("accepted");
  });

  it("refuses alg none", async () => {
    const unsecured = new UnsecuredJWT({ sid: "s1", role: "admin", client_id: "warden", jti: "j" })
      .setIssuer(issuer)
      .setAudience(issuer)
      .setSubject("u1")
      .setIssuedAt()
      .setExpirationTime("5m")
      .encode();
    expect(await verifyError(service, unsecured)).toBe("INVALID_TOKEN");
  });

  it("refuses a token signed by another key under the same kid", async () => {
    const other = await generateSigningKey(algorithm);
    const forged = await sign(other.privateKey, { alg: algorithm, typ: "at+jwt", kid: key.kid });
    expect(await verifyError(service, forged)).toBe("INVALID_TOKEN");
  });

  it("refuses a key carried in the header (jwk)", async () => {
    const other = await generateSigningKey(algorithm);
    const forged = await sign(other.privateKey, {
      alg: algorithm,
      typ: "at+jwt",
      kid: key.kid,
      jwk: other.publicJwk ?? {},
    });
    expect(await verifyError(service, forged)).toBe("INVALID_TOKEN");
  });

  it("refuses HS256 signed with the public key as the secret", async () => {
    const [h, p] = [
      base64url.encode(JSON.stringify({ alg: "HS256", typ: "at+jwt", kid: key.kid })),
      base64url.encode(JSON.stringify(claims())),
    ];
    const publicPem = key.verifyKey.export({ type: "spki", format: "pem" });
    const signature = createHmac("sha256", publicPem).update(`${h}.${p}`).digest("base64url");
    expect(await verifyError(service, `${h}.${p}.${signature}`)).toBe("INVALID_TOKEN");
  });

  it.each([
    ["a missing exp", { exp: undefined }, {}],
    ["a wrong iss", { iss: "http://evil.test" }, {}],
    ["a wrong aud", { aud: "http://other.test" }, {}],
    ["a wrong typ", {}, { typ: "JWT" }],
    ["no typ", {}, { typ: undefined }],
  ])("refuses %s", async (_, claimChanges, headerChanges) => {
    const forged = await sign(
      key.privateKey,
      { alg: algorithm, typ: "at+jwt", kid: key.kid, ...headerChanges },
      claimChanges,
    );
    expect(await verifyError(service, forged)).toBe("INVALID_TOKEN");
  });

  it("refuses garbage", async () => {
    for (const garbage of ["", "a.b.c", "not a jwt", "....", "eyJhbGciOiJub25lIn0.e30."]) {
      expect(await verifyError(service, garbage)).toBe("INVALID_TOKEN");
    }
  });

  function claims(changes: Record<string, unknown> = {}) {
    const now = clock.nowSeconds();
    const all: Record<string, unknown> = {
      iss: issuer,
      aud: issuer,
      sub: "u1",
      iat: now,
      exp: now + 600,
      jti: "j1",
      sid: "s1",
      role: "admin",
      client_id: "warden",
      ...changes,
    };
    return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
  }

  async function sign(
    privateKey: SigningKey["privateKey"],
    header: Record<string, unknown>,
    changes: Record<string, unknown> = {},
  ) {
    const cleanHeader = Object.fromEntries(
      Object.entries(header).filter(([, v]) => v !== undefined),
    );
    return new SignJWT(claims(changes))
      .setProtectedHeader(cleanHeader as { alg: string })
      .sign(privateKey);
  }
});

describe("HS256 access tokens", () => {
  it("verify with the configured secret and never publish it", async () => {
    const key = (await signingKeyFromConfig("HS256", {
      secret: "Vq8kP1zR4mN7tY2wB5xC9dF3gH6jL0sA",
    })) as SigningKey;
    expect(key.publicJwk).toBeNull();
    expect(key.kid).not.toContain("Vq8k");
    const service = createAccessTokenService({
      keyRing: ringOf(key),
      issuer,
      audience: issuer,
      ttlSeconds: 60,
      clock,
    });
    const { token } = await service.signUserToken({ userId: "u", sessionId: "s", role: "user" });
    expect((await service.verify(token)).kind).toBe("user");
  });
});

describe("configured private keys", () => {
  it("accept PKCS#8 PEM and a private JWK, and refuse a key of the wrong type", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const fromPem = await signingKeyFromConfig("EdDSA", { privateKey: pem });
    const jwk = await exportJWK(createPrivateKey(pem));
    const fromJwk = await signingKeyFromConfig("EdDSA", { privateKey: JSON.stringify(jwk) });
    expect(fromPem?.kid).toBe(fromJwk?.kid);
    await expect(signingKeyFromConfig("ES256", { privateKey: pem })).rejects.toThrow(
      /does not fit ES256/,
    );
  });
});
