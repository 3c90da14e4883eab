import type { Kysely } from "kysely";
import { beforeAll, expect, it } from "vitest";
import type { Clock } from "../clock.js";
import type { SigningAlgorithm } from "../config.js";
import type { Database } from "../db/schema.js";
import { describeEachDatabase } from "../testing/describe-each-database.js";
import { createManualClock } from "../testing/test-warden.js";
import { createAccessTokenService } from "./access-token.js";
import { KeyEncryption } from "./key-encryption.js";
import { KeyRing, type KeyRingOptions } from "./key-ring.js";
import { exportPrivateJwk, generateSigningKey, type SigningKey } from "./signing-key.js";

const issuer = "http://warden.test";
const secret = "Vq8kP1zR4mN7tY2wB5xC9dF3gH6jL0sA";

/** Writes a key row straight into signing_keys, as someone with write access to the database could. */
async function plantKey(
  db: Kysely<Database>,
  algorithm: SigningAlgorithm,
  clock: Clock,
  encryption: KeyEncryption | null = null,
): Promise<{ key: SigningKey; plaintext: string }> {
  const key = await generateSigningKey(algorithm);
  const plaintext = JSON.stringify(await exportPrivateJwk(key));
  await db
    .insertInto("signing_keys")
    .values({
      kid: key.kid,
      algorithm,
      public_jwk: JSON.stringify(key.publicJwk),
      private_jwk: encryption ? encryption.encrypt(plaintext) : plaintext,
      created_at: clock.nowIso(),
      retired_at: null,
      expires_at: null,
    })
    .execute();
  return { key, plaintext };
}

async function storedPrivateJwk(db: Kysely<Database>, kid: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("signing_keys")
    .select("private_jwk")
    .where("kid", "=", kid)
    .executeTakeFirst();
  return row?.private_jwk;
}

/** A user token for an admin, signed with `key` whatever the ring says. */
async function tokenSignedWith(key: SigningKey, clock: Clock): Promise<string> {
  const forger = createAccessTokenService({
    keyRing: { current: () => key, find: () => key } as unknown as KeyRing,
    issuer,
    audience: issuer,
    ttlSeconds: 900,
    clock,
  });
  return (await forger.signUserToken({ userId: "u1", sessionId: "s1", role: "admin" })).token;
}

/** "accepted", or the error code verifying `token` against `ring` gives. */
async function verifiedBy(ring: KeyRing, token: string, clock: Clock): Promise<string> {
  const verifier = createAccessTokenService({
    keyRing: ring,
    issuer,
    audience: issuer,
    ttlSeconds: 900,
    clock,
  });
  return verifier.verify(token).then(
    () => "accepted",
    (error: { code?: string }) => error.code ?? String(error),
  );
}

describeEachDatabase("signing keys", (current) => {
  const clock = createManualClock(new Date());
  let ring: KeyRing;
  const load = () =>
    KeyRing.load({
      db: current().database.db,
      algorithm: "EdDSA",
      configuredKey: null,
      accessTokenTtlSeconds: 900,
      clock,
    });

  beforeAll(async () => {
    ring = await load();
  });

  it("generates a key once and keeps it in the database, so tokens survive a restart", async () => {
    const again = await load();
    expect(again.current().kid).toBe(ring.current().kid);
    expect(ring.jwks().keys).toEqual([
      expect.objectContaining({
        kty: "OKP",
        crv: "Ed25519",
        kid: ring.current().kid,
        alg: "EdDSA",
      }),
    ]);
    expect(JSON.stringify(ring.jwks())).not.toMatch(/"d"/);
  });

  it("rotation: a new key signs, the old stays published until its tokens expire, then leaves", async () => {
    const old = ring.current().kid;
    await ring.rotate();
    const other = await load(); // another running server, reloading
    expect(other.current().kid).not.toBe(old);
    expect(other.find(old)).toBeDefined();
    expect(other.jwks().keys.map((k) => k.kid)).toContain(old);
    clock.advance(900 + 61);
    await other.reload();
    expect(other.find(old)).toBeUndefined();
    expect(other.jwks().keys).toHaveLength(1);
  });
});

describeEachDatabase("signing keys encrypted at rest", (current) => {
  const clock = createManualClock(new Date());
  const load = (encryption: KeyEncryption | null) =>
    KeyRing.load({
      db: current().database.db,
      algorithm: "ES256",
      configuredKey: null,
      accessTokenTtlSeconds: 900,
      clock,
      encryption,
    });

  it("stores no readable private key, and reloads only with the same key", async () => {
    const ring = await load(new KeyEncryption(secret));
    const rows = await current()
      .database.db.selectFrom("signing_keys")
      .select("private_jwk")
      .where("algorithm", "=", "ES256")
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.private_jwk).toMatch(/^enc:v1:/);
    expect(rows[0]?.private_jwk).not.toContain('"d"');
    expect((await load(new KeyEncryption(secret))).current().kid).toBe(ring.current().kid);
    // The only signing key is unreadable here: no new key is generated, since
    // servers with the right key-encryption key may still be signing with it.
    await expect(load(new KeyEncryption(`${secret}-other`))).rejects.toThrow(/does not decrypt/);
    await expect(load(null)).rejects.toThrow(/set WARDEN_KEY_ENCRYPTION_KEY/);
    const after = await current()
      .database.db.selectFrom("signing_keys")
      .select(["kid", "retired_at"])
      .where("algorithm", "=", "ES256")
      .execute();
    expect(after).toEqual([{ kid: ring.current().kid, retired_at: null }]);
  });
});

describeEachDatabase("signing keys in production with a key-encryption key", (current) => {
  const clock = createManualClock(new Date());
  const encryption = new KeyEncryption(secret);
  const options = (): KeyRingOptions => ({
    db: current().database.db,
    algorithm: "EdDSA",
    configuredKey: null,
    accessTokenTtlSeconds: 900,
    clock,
    encryption,
    production: true,
  });

  it("a plaintext key row planted in the database neither signs nor verifies, is reported once, and is not picked up by reload()", async () => {
    const db = current().database.db;
    const planted = await plantKey(db, "EdDSA", clock);
    clock.advance(1);
    const ring = await KeyRing.load(options());

    expect(ring.current().kid).not.toBe(planted.key.kid);
    expect(ring.find(planted.key.kid)).toBeUndefined();
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([ring.current().kid]);
    expect(await verifiedBy(ring, await tokenSignedWith(planted.key, clock), clock)).toBe(
      "INVALID_TOKEN",
    );
    expect(await verifiedBy(ring, await tokenSignedWith(ring.current(), clock), clock)).toBe(
      "accepted",
    );
    expect(ring.notices).toEqual([
      expect.objectContaining({
        level: "warn",
        reason: "plaintext-in-production",
        kid: planted.key.kid,
        message: expect.stringMatching(/ignored/),
      }),
      expect.objectContaining({ level: "info", reason: "generated", kid: ring.current().kid }),
    ]);
    // Not adopted: it is not encrypted into trust either.
    expect(await storedPrivateJwk(db, planted.key.kid)).toBe(planted.plaintext);

    // Planted while the server runs, as the newest unretired key.
    clock.advance(1);
    const later = await plantKey(db, "EdDSA", clock);
    const signing = ring.current().kid;
    expect(await ring.reload()).toEqual([
      expect.objectContaining({
        level: "warn",
        reason: "plaintext-in-production",
        kid: later.key.kid,
      }),
    ]);
    expect(ring.current().kid).toBe(signing);
    expect(ring.find(later.key.kid)).toBeUndefined();
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([signing]);
    expect(await verifiedBy(ring, await tokenSignedWith(later.key, clock), clock)).toBe(
      "INVALID_TOKEN",
    );
    expect(await ring.reload()).toEqual([]); // reported once
    expect(ring.notices).toHaveLength(3);

    const restarted = await KeyRing.load(options());
    expect(restarted.current().kid).toBe(signing);
    expect(restarted.find(planted.key.kid)).toBeUndefined();
    expect(restarted.find(later.key.kid)).toBeUndefined();
    expect(restarted.notices.map((n) => [n.reason, n.kid])).toEqual(
      expect.arrayContaining([
        ["plaintext-in-production", planted.key.kid],
        ["plaintext-in-production", later.key.kid],
      ]),
    );
    expect(await storedPrivateJwk(db, later.key.kid)).toBe(later.plaintext);
  });

  it("refuses to keep keys in the database without a key-encryption key", async () => {
    await expect(KeyRing.load({ ...options(), encryption: null })).rejects.toThrow(
      /set WARDEN_KEY_ENCRYPTION_KEY/,
    );
  });
});

describeEachDatabase("signing keys in development with a key-encryption key", (current) => {
  const clock = createManualClock(new Date());
  const encryption = new KeyEncryption(secret);
  const options = (): KeyRingOptions => ({
    db: current().database.db,
    algorithm: "ES256",
    configuredKey: null,
    accessTokenTtlSeconds: 900,
    clock,
    encryption,
    production: false,
  });

  it("a plaintext key row is encrypted on start, and keeps signing and verifying", async () => {
    const db = current().database.db;
    const planted = await plantKey(db, "ES256", clock);
    const ring = await KeyRing.load(options());

    const stored = await storedPrivateJwk(db, planted.key.kid);
    expect(stored).not.toBe(planted.plaintext);
    expect(stored).toMatch(/^enc:v1:/);
    expect(stored).not.toContain('"d"');
    expect(ring.notices).toEqual([
      expect.objectContaining({ level: "info", reason: "encrypted", kid: planted.key.kid }),
    ]);
    expect(ring.current().kid).toBe(planted.key.kid);
    expect(await verifiedBy(ring, await tokenSignedWith(ring.current(), clock), clock)).toBe(
      "accepted",
    );

    const restarted = await KeyRing.load(options());
    expect(restarted.current().kid).toBe(planted.key.kid);
    expect(restarted.notices).toEqual([]);
    expect(await verifiedBy(restarted, await tokenSignedWith(planted.key, clock), clock)).toBe(
      "accepted",
    );
  });
});

describeEachDatabase("a signing key encrypted under another key-encryption key", (current) => {
  const clock = createManualClock(new Date());
  const options = (production: boolean): KeyRingOptions => ({
    db: current().database.db,
    algorithm: "EdDSA",
    configuredKey: null,
    accessTokenTtlSeconds: 900,
    clock,
    encryption: new KeyEncryption(secret),
    production,
  });

  it("is ignored with a notice, not a crash, in production and in development", async () => {
    const db = current().database.db;
    const running = await KeyRing.load(options(true));
    const signing = running.current().kid;
    clock.advance(1);
    const foreign = await plantKey(db, "EdDSA", clock, new KeyEncryption(`${secret}-other`));

    expect(await running.reload()).toEqual([
      expect.objectContaining({ level: "warn", reason: "not-decryptable", kid: foreign.key.kid }),
    ]);
    expect(running.current().kid).toBe(signing);
    expect(running.find(foreign.key.kid)).toBeUndefined();

    for (const production of [true, false]) {
      const ring = await KeyRing.load(options(production));
      expect(ring.current().kid).toBe(signing);
      expect(ring.find(foreign.key.kid)).toBeUndefined();
      expect(ring.jwks().keys.map((k) => k.kid)).toEqual([signing]);
      expect(ring.notices).toEqual([
        expect.objectContaining({
          level: "warn",
          reason: "not-decryptable",
          kid: foreign.key.kid,
          message: expect.stringMatching(/does not decrypt/),
        }),
      ]);
      expect(await verifiedBy(ring, await tokenSignedWith(foreign.key, clock), clock)).toBe(
        "INVALID_TOKEN",
      );
    }
  });
});
