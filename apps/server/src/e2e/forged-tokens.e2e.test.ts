import { generateKeyPairSync, randomUUID } from "node:crypto";
import { describeEachDatabase } from "@warden/auth-core/testing";
import { type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  registerAndLogin,
  startTestServer,
  TEST_ISSUER,
  type TestServer,
  trpc,
} from "../testing/test-server.js";

const decode = (token: string, part: 0 | 1): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[part] as string, "base64url").toString());

describeEachDatabase("forged and expired tokens over HTTP", (current) => {
  let server: TestServer;
  let token: string;
  let kid: string;
  /** The claims of a real login's access token: a real user, a real session. */
  let real: Record<string, unknown>;
  beforeAll(async () => {
    server = await startTestServer(current());
    token = (await registerAndLogin(server)).tokens.accessToken;
    kid = decode(token, 0).kid as string;
    real = decode(token, 1);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  const refused = async (forged: string) => {
    const result = await trpc(server, "users.me", { query: true, token: forged });
    expect(result.status, result.raw).toBe(401);
    expect(result.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  };
  const claims = () => decode(token, 1);

  /**
   * Signs with the server's OWN current signing key, under its kid, alg and
   * typ at+jwt, so the signature is good and only what a case changes is
   * wrong. Header entries set to undefined are left out.
   */
  const signed = async (
    payload: Record<string, unknown>,
    header: Record<string, unknown> = {},
  ): Promise<string> => {
    const key = server.running.deps.warden.keyRing.current();
    const protectedHeader = Object.fromEntries(
      Object.entries({ alg: key.algorithm, typ: "at+jwt", kid: key.kid, ...header }).filter(
        ([, value]) => value !== undefined,
      ),
    ) as { alg: string };
    return new SignJWT(payload as JWTPayload)
      .setProtectedHeader(protectedHeader)
      .sign(key.privateKey);
  };
  /** The server's access-token lifetime, as its own tokens carry it. */
  const ttl = () => (real.exp as number) - (real.iat as number);
  /** Every user-token claim right: issued now for the server's lifetime, for the real login's session. */
  const good = (): Record<string, unknown> => {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: TEST_ISSUER,
      aud: TEST_ISSUER,
      sub: real.sub,
      iat: now,
      exp: now + ttl(),
      jti: randomUUID(),
      sid: real.sid,
      role: real.role,
      client_id: "warden",
    };
  };
  const without = (name: string) => {
    const { [name]: _, ...rest } = good();
    return rest;
  };

  it("the harness signs like the server: a token with every claim right IS accepted", async () => {
    expect(ttl()).toBeGreaterThan(60);
    // The login token carries exactly the claims good() sets, so a refusal
    // below is the changed claim's doing and nothing else's.
    expect(Object.keys(real).sort()).toEqual(Object.keys(good()).sort());
    expect(real.iss).toBe(TEST_ISSUER);
    expect(real.aud).toBe(TEST_ISSUER);
    expect(real.client_id).toBe("warden");
    const forged = await signed(good());
    expect(decode(forged, 0)).toEqual(decode(token, 0));
    const me = await trpc<{ id: string }>(server, "users.me", { query: true, token: forged });
    expect(me.status, me.raw).toBe(200);
    expect(me.data?.id).toBe(real.sub);
  });

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
    // A second instance over the same database, whose tokens live 2 s.
    const shortLived = await startTestServer(current(), { ACCESS_TOKEN_TTL: "2" });
    try {
      const { tokens } = await registerAndLogin(shortLived);
      expect(
        (await trpc(shortLived, "users.me", { query: true, token: tokens.accessToken })).status,
      ).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 3100));
      const result = await trpc(shortLived, "users.me", {
        query: true,
        token: tokens.accessToken,
      });
      expect(result.status, result.raw).toBe(401);
      expect(result.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    } finally {
      await shortLived.close();
    }
  });

  it("a token for another issuer", async () => {
    expect(TEST_ISSUER).not.toBe("http://evil.test");
    await refused(await signed({ ...good(), iss: "http://evil.test" }));
  });

  describe("signed with the server's own key, one thing wrong", () => {
    const now = () => Math.floor(Date.now() / 1000);
    const cases: [string, () => Record<string, unknown>, Record<string, unknown>?][] = [
      ["no issuer", () => without("iss")],
      ["another audience", () => ({ ...good(), aud: "http://evil.test" })],
      ["an audience list without ours", () => ({ ...good(), aud: ["http://evil.test"] })],
      ["no audience", () => without("aud")],
      ["expired ten seconds ago", () => ({ ...good(), iat: now() - 70, exp: now() - 10 })],
      [
        "issued two minutes in the future",
        () => ({ ...good(), iat: now() + 120, exp: now() + 120 + ttl() }),
      ],
      [
        "living two minutes longer than the server's TTL",
        () => ({ ...good(), exp: now() + ttl() + 120 }),
      ],
      ["no exp", () => without("exp")],
      ["an exp that is not a number", () => ({ ...good(), exp: String(now() + 60) })],
      ["not valid before a minute from now", () => ({ ...good(), nbf: now() + 60 })],
      ["no iat", () => without("iat")],
      ["no sub", () => without("sub")],
      ["no jti", () => without("jti")],
      ["no sid", () => without("sid")],
      ["no client_id", () => without("client_id")],
      ["a role that does not exist", () => ({ ...good(), role: "root" })],
      ["typ JWT instead of at+jwt", good, { typ: "JWT" }],
      ["no typ", good, { typ: undefined }],
      ["no kid", good, { kid: undefined }],
      ["a kid the server does not have", good, { kid: "no-such-key" }],
    ];
    it.each(cases)("%s", async (_, payload, header) => {
      await refused(await signed(payload(), header));
    });

    it("the sid of a session that has ended", async () => {
      const { tokens } = await registerAndLogin(server);
      const ended = decode(tokens.accessToken, 1);
      const logout = await trpc(server, "auth.logout", { token: tokens.accessToken });
      expect(logout.status, logout.raw).toBe(200);
      await refused(await signed({ ...good(), sub: ended.sub, sid: ended.sid }));
    });

    it("a service token: accepted for a live client, refused for an unknown or revoked one", async () => {
      const { warden } = server.running.deps;
      const client = await warden.clients.create({ name: "forger", scopes: ["users:read"] });
      const service = (clientId: string) => {
        const { sid: _, role: __, ...rest } = good();
        return { ...rest, sub: clientId, client_id: clientId, scope: "users:read" };
      };
      const call = (forged: string) =>
        trpc(server, "users.byId", { query: true, token: forged, input: { id: real.sub } });
      const accepted = await call(await signed(service(client.clientId)));
      expect(accepted.status, accepted.raw).toBe(200);

      for (const forged of [
        await signed(service("no-such-client")),
        // A service token names its own client as the subject.
        await signed({ ...service(client.clientId), sub: "someone-else" }),
      ]) {
        const result = await call(forged);
        expect(result.status, result.raw).toBe(401);
        expect(result.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
      }
      await warden.clients.revoke(client.clientId);
      const revoked = await call(await signed(service(client.clientId)));
      expect(revoked.status, revoked.raw).toBe(401);
    });
  });
});
