import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../testing/describe-each-database.js";
import { createManualClock } from "../testing/test-warden.js";
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
