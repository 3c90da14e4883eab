import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../testing/describe-each-database.js";
import { createManualClock } from "../testing/test-warden.js";
import { KeyEncryption } from "./key-encryption.js";
import { KeyRing } from "./key-ring.js";

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
  const secret = "Vq8kP1zR4mN7tY2wB5xC9dF3gH6jL0sA";
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
    await expect(load(new KeyEncryption(`${secret}-other`))).rejects.toThrow(/do not decrypt/);
    await expect(load(null)).rejects.toThrow(/set WARDEN_KEY_ENCRYPTION_KEY/);
  });
});
