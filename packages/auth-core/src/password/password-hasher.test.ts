import { hash } from "@node-rs/bcrypt";
import { describe, expect, it } from "vitest";
import { createPasswordHasher } from "./password-hasher.js";

// The lowest cost bcrypt allows: these tests check behaviour, not strength.
const hasher = createPasswordHasher({ cost: 4 });

describe("password hasher", () => {
  it("verifies the password it hashed and refuses another", async () => {
    const stored = await hasher.hash("correct horse battery");
    expect(stored).toMatch(/^\$2b\$04\$/);
    expect(await hasher.verify("correct horse battery", stored)).toBe(true);
    expect(await hasher.verify("correct horse battery!", stored)).toBe(false);
  });

  it("counts every character of a 100-character password; its first 72 are refused", async () => {
    const password = "a1b2c3d4e5".repeat(10);
    const stored = await hasher.hash(password);
    expect(stored).toMatch(/^\$bcrypt-sha256\$v=2,t=2b,r=4\$[./A-Za-z0-9]{22}\$[./A-Za-z0-9]{31}$/);
    expect(await hasher.verify(password, stored)).toBe(true);
    expect(await hasher.verify(password.slice(0, 72), stored)).toBe(false);
    expect(await hasher.verify(`${password.slice(0, 99)}X`, stored)).toBe(false);
  });

  it("pre-hashes by UTF-8 bytes, not characters", async () => {
    const password = "é".repeat(40); // 40 characters, 80 bytes
    const stored = await hasher.hash(password);
    expect(stored.startsWith("$bcrypt-sha256$")).toBe(true);
    expect(await hasher.verify(password, stored)).toBe(true);
    expect(await hasher.verify("é".repeat(36), stored)).toBe(false);
  });

  it("verifies plain $2a$ and $2b$ hashes imported from another bcrypt service", async () => {
    const imported2b = await hash("imported password", { cost: 4, version: "2b" });
    const imported2a = await hash("imported password", { cost: 4, version: "2a" });
    expect(await hasher.verify("imported password", imported2b)).toBe(true);
    expect(await hasher.verify("imported password", imported2a)).toBe(true);
    expect(await hasher.verify("imported passwor", imported2a)).toBe(false);
  });

  it("refuses a password longer than 72 bytes against a plain hash instead of truncating it", async () => {
    const first72 = "x".repeat(72);
    const imported = await hash(first72, { cost: 4 });
    expect(await hasher.verify(first72, imported)).toBe(true);
    expect(await hasher.verify(`${first72}anything`, imported)).toBe(false);
  });

  it("answers false, never throws, for a malformed stored hash", async () => {
    expect(await hasher.verify("whatever", "not a hash")).toBe(false);
    expect(await hasher.verify("whatever", "$bcrypt-sha256$v=2,t=2b,r=4$short$short")).toBe(false);
  });

  it("a dummy verification is always false", async () => {
    expect(await hasher.verifyDummy("warden-dummy-password-for-unknown-users")).toBe(false);
  });

  it("answers BUSY, with a Retry-After, when more hashes wait than it will queue", async () => {
    const busy = createPasswordHasher({ cost: 10, maxConcurrent: 1, maxWaiting: 3 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => busy.hash("tangerine-orbit-47")),
    );
    const refused = outcomes.filter((o) => o.status === "rejected");
    // One running (the dummy hash made at start, then each in turn) and three waiting at most.
    expect(refused.length).toBeGreaterThanOrEqual(4);
    for (const outcome of refused) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({
        code: "BUSY",
        retryAfterSeconds: 1,
      });
    }
    expect(await busy.verify("tangerine-orbit-47", await busy.hash("tangerine-orbit-47"))).toBe(
      true,
    );
  });
});
