import { randomBytes, randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { AuthError } from "../errors.js";
import { loadCommonPasswords } from "../password/password-policy.js";
import { describeEachDatabase } from "../testing/describe-each-database.js";
import { createManualClock, createTestWarden } from "../testing/test-warden.js";
import { totpCodeAt } from "./totp.js";

const commonPasswords = loadCommonPasswords();
// HS256: no signing keys stored in the shared database, so wardens with and
// without WARDEN_KEY_ENCRYPTION_KEY can take turns on it.
const jwtEnv = { JWT_ALGORITHM: "HS256", JWT_SECRET: randomBytes(48).toString("base64") };

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  return (error as AuthError).code;
}

describeEachDatabase("two-factor", (current) => {
  async function setUp(env: Record<string, string> = {}) {
    // Mid-step, so ±1 step is ±30 s from here.
    const clock = createManualClock(new Date("2026-03-01T12:00:15.000Z"));
    const warden = await createTestWarden(current().database, {
      clock,
      commonPasswords,
      env: { ...jwtEnv, ...env },
    });
    const name = `u${randomUUID().slice(0, 8)}`;
    const user = await warden.users.register({
      username: name,
      email: `${name}@example.com`,
      name,
      password: "tangerine-orbit-47",
    });
    const codeAt = (secret: string, steps = 0) =>
      totpCodeAt(secret, new Date(clock.now().getTime() + steps * 30_000));
    const row = () =>
      warden.database.db
        .selectFrom("two_factor")
        .selectAll()
        .where("user_id", "=", user.id)
        .executeTakeFirst();
    const recoveryRows = () =>
      warden.database.db
        .selectFrom("recovery_codes")
        .selectAll()
        .where("user_id", "=", user.id)
        .execute();
    /** Set up and enabled, the clock moved on past the enabling code's step. */
    async function enabled() {
      const { secret } = await warden.twoFactor.setup(user.id);
      const recoveryCodes = await warden.twoFactor.enable(user.id, codeAt(secret));
      clock.advance(90);
      return { secret, recoveryCodes };
    }
    return { clock, warden, tf: warden.twoFactor, user, codeAt, row, recoveryRows, enabled };
  }

  it("setup gives a secret, URI and QR code, and activates nothing", async () => {
    const { tf, user, row } = await setUp();
    const setup = await tf.setup(user.id);
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(setup.otpauthUri);
    expect(setup.otpauthUri.startsWith(`otpauth://totp/Warden:${user.username}?`)).toBe(true);
    expect(uri.searchParams.get("issuer")).toBe("Warden");
    expect(uri.searchParams.get("secret")).toBe(setup.secret);
    expect(setup.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(await tf.isEnabled(user.id)).toBe(false);
    expect(await tf.verifyCode(user.id, totpCodeAt(setup.secret, new Date()))).toBe(false);
    const stored = await row();
    expect(stored?.secret).toBeNull();
    expect(stored?.pending_secret).toBeTruthy();
    // Not in plaintext, in any encoding an attacker would try.
    const raw = JSON.stringify(stored);
    expect(raw).not.toContain(setup.secret);
    expect(raw.toLowerCase()).not.toContain(setup.secret.toLowerCase());
  });

  it("enables only with a right code for the pending secret, and returns 10 recovery codes", async () => {
    const { tf, user, codeAt, row } = await setUp();
    expect(await refusal(tf.enable(user.id, "123456"))).toBe("TWO_FACTOR_SETUP_REQUIRED");
    const { secret } = await tf.setup(user.id);
    const right = codeAt(secret);
    const wrong = right === "000000" ? "000001" : "000000";
    expect(await refusal(tf.enable(user.id, wrong))).toBe("INVALID_TWO_FACTOR_CODE");
    expect(await refusal(tf.enable(user.id, codeAt(secret, 2)))).toBe("INVALID_TWO_FACTOR_CODE");
    expect(await tf.isEnabled(user.id)).toBe(false);
    const codes = await tf.enable(user.id, right);
    expect(codes).toHaveLength(10);
    expect(await tf.isEnabled(user.id)).toBe(true);
    const stored = await row();
    expect(stored?.pending_secret).toBeNull();
    expect(stored?.secret).toBeTruthy();
    expect(JSON.stringify(stored)).not.toContain(secret);
    // The enabling code counts as used.
    expect(await tf.verifyCode(user.id, right)).toBe(false);
  });

  it("accepts codes one step either side, refuses two, and accepts each step once", async () => {
    const { clock, tf, user, codeAt } = await setUp();
    const { secret } = await enabled();
    expect(await tf.verifyCode(user.id, codeAt(secret, -2))).toBe(false);
    expect(await tf.verifyCode(user.id, codeAt(secret, 2))).toBe(false);
    expect(await tf.verifyCode(user.id, codeAt(secret, -1))).toBe(true);
    // Replay refused.
    expect(await tf.verifyCode(user.id, codeAt(secret, -1))).toBe(false);
    expect(await tf.verifyCode(user.id, codeAt(secret))).toBe(true);
    expect(await tf.verifyCode(user.id, codeAt(secret))).toBe(false);
    expect(await tf.verifyCode(user.id, codeAt(secret, 1))).toBe(true);
    // An earlier step, still in the window, after a later one was used: refused.
    clock.advance(30);
    expect(await tf.verifyCode(user.id, codeAt(secret, -1))).toBe(false);
    clock.advance(30);
    expect(await tf.verifyCode(user.id, codeAt(secret))).toBe(true);
    expect(await tf.verifyCode(user.id, "not a code")).toBe(false);

    async function enabled() {
      const setup = await tf.setup(user.id);
      await tf.enable(user.id, codeAt(setup.secret));
      clock.advance(90);
      return setup;
    }
  });

  it("of ten parallel uses of one code, exactly one passes", async () => {
    const { tf, user, codeAt, enabled } = await setUp();
    const { secret } = await enabled();
    const code = codeAt(secret);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => tf.verifyCode(user.id, code)),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it("of ten parallel enables with one code, exactly one succeeds", async () => {
    const { tf, user, codeAt, recoveryRows } = await setUp();
    const { secret } = await tf.setup(user.id);
    const code = codeAt(secret);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => tf.enable(user.id, code)),
    );
    const won = outcomes.filter((o) => o.status === "fulfilled");
    expect(won).toHaveLength(1);
    const codes = (won[0] as PromiseFulfilledResult<string[]>).value;
    expect(await recoveryRows()).toHaveLength(10);
    expect((await tf.useRecoveryCode(user.id, codes[0] ?? ""))?.remaining).toBe(9);
  });

  it("recovery codes are stored hashed, work once, match as typed, and count down", async () => {
    const { tf, user, recoveryRows, enabled } = await setUp();
    const { recoveryCodes } = await enabled();
    expect(new Set(recoveryCodes).size).toBe(10);
    const rows = await recoveryRows();
    expect(rows).toHaveLength(10);
    const raw = JSON.stringify(rows).toLowerCase();
    for (const code of recoveryCodes) {
      expect(code).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
      expect(raw).not.toContain(code);
      expect(raw).not.toContain(code.replaceAll("-", ""));
    }
    const [first = "", second = ""] = recoveryCodes;
    expect(await tf.useRecoveryCode(user.id, first)).toEqual({ remaining: 9 });
    expect(await tf.useRecoveryCode(user.id, first)).toBeNull();
    expect(
      await tf.useRecoveryCode(user.id, ` ${second.toUpperCase().replaceAll("-", " ")} `),
    ).toEqual({
      remaining: 8,
    });
    expect(await tf.useRecoveryCode(user.id, "0000-0000-0000")).toBeNull();
    expect(await tf.useRecoveryCode(user.id, "junk")).toBeNull();
    expect(await tf.recoveryCodesRemaining(user.id)).toBe(8);
  });

  it("a recovery code works for its own account only", async () => {
    const a = await setUp();
    const { recoveryCodes } = await a.enabled();
    const b = await setUp();
    await b.enabled();
    expect(await b.tf.useRecoveryCode(b.user.id, recoveryCodes[0] ?? "")).toBeNull();
    expect(await a.tf.useRecoveryCode(a.user.id, recoveryCodes[0] ?? "")).toEqual({ remaining: 9 });
  });

  it("of ten parallel uses of one recovery code, exactly one wins", async () => {
    const { tf, user, enabled } = await setUp();
    const { recoveryCodes } = await enabled();
    const code = recoveryCodes[3] ?? "";
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => tf.useRecoveryCode(user.id, code)),
    );
    expect(outcomes.filter((o) => o !== null)).toEqual([{ remaining: 9 }]);
  });

  it("regenerating kills the old recovery codes", async () => {
    const { tf, user, enabled, recoveryRows } = await setUp();
    expect(await refusal(tf.regenerateRecoveryCodes(user.id))).toBe("TWO_FACTOR_NOT_ENABLED");
    const { recoveryCodes: old } = await enabled();
    const fresh = await tf.regenerateRecoveryCodes(user.id);
    expect(fresh).toHaveLength(10);
    expect(fresh.some((code) => old.includes(code))).toBe(false);
    expect(await recoveryRows()).toHaveLength(10);
    for (const code of old) expect(await tf.useRecoveryCode(user.id, code)).toBeNull();
    expect(await tf.useRecoveryCode(user.id, fresh[0] ?? "")).toEqual({ remaining: 9 });
    // Parallel regenerations leave exactly one set, without a deadlock.
    const sets = await Promise.all(
      Array.from({ length: 5 }, () => tf.regenerateRecoveryCodes(user.id)),
    );
    expect(await recoveryRows()).toHaveLength(10);
    const live = await Promise.all(sets.map((set) => tf.useRecoveryCode(user.id, set[0] ?? "")));
    expect(live.filter((o) => o !== null)).toHaveLength(1);
  });

  it("a pending secret never replaces a working one: enable refuses while enabled", async () => {
    const { clock, tf, user, codeAt, enabled } = await setUp();
    const { secret: old } = await enabled();
    const { secret: next } = await tf.setup(user.id);
    expect(await tf.isEnabled(user.id)).toBe(true);
    expect(await tf.verifyCode(user.id, codeAt(next))).toBe(false);
    clock.advance(30);
    await expect(tf.enable(user.id, codeAt(next))).rejects.toMatchObject({
      code: "TWO_FACTOR_ALREADY_ENABLED",
    });
    expect(await tf.verifyCode(user.id, codeAt(old))).toBe(true);
    clock.advance(30);
    expect(await tf.verifyCode(user.id, codeAt(next))).toBe(false);
  });

  it("disable clears the secrets and recovery codes", async () => {
    const { tf, user, codeAt, row, recoveryRows, enabled } = await setUp();
    expect(await tf.disable(user.id)).toBe(false);
    const { secret, recoveryCodes } = await enabled();
    expect(await tf.disable(user.id)).toBe(true);
    expect(await tf.isEnabled(user.id)).toBe(false);
    expect(await row()).toBeUndefined();
    expect(await recoveryRows()).toHaveLength(0);
    expect(await tf.verifyCode(user.id, codeAt(secret))).toBe(false);
    expect(await tf.useRecoveryCode(user.id, recoveryCodes[0] ?? "")).toBeNull();
  });

  it("goes with its account when the account is deleted", async () => {
    const { warden, user, row, recoveryRows, enabled } = await setUp();
    await enabled();
    await warden.users.delete(user.id);
    expect(await row()).toBeUndefined();
    expect(await recoveryRows()).toHaveLength(0);
  });

  it("encrypts with WARDEN_KEY_ENCRYPTION_KEY, under a key of its own", async () => {
    const key = randomBytes(48).toString("base64");
    const { tf, user, codeAt, row, warden } = await setUp({ WARDEN_KEY_ENCRYPTION_KEY: key });
    const { secret } = await tf.setup(user.id);
    expect((await row())?.pending_secret).toMatch(/^kek:enc:v1:/);
    await tf.enable(user.id, codeAt(secret));
    expect((await row())?.secret).toMatch(/^kek:enc:v1:/);
    // Another server without the key cannot read it, and says why.
    const keyless = await createTestWarden(warden.database, {
      clock: warden.clock,
      commonPasswords,
      env: jwtEnv,
    });
    expect(await refusal(keyless.twoFactor.verifyCode(user.id, codeAt(secret, 1)))).toBe(
      "TWO_FACTOR_UNAVAILABLE",
    );
  });

  it("in production without an encryption key refuses setup and stores nothing", async () => {
    const { user, row } = await setUp();
    const production = await createTestWarden(current().database, {
      commonPasswords,
      env: {
        ...jwtEnv,
        NODE_ENV: "production",
        BCRYPT_COST: "12",
      },
    });
    const error = await production.twoFactor.setup(user.id).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe("TWO_FACTOR_UNAVAILABLE");
    expect((error as AuthError).message).toMatch(/WARDEN_KEY_ENCRYPTION_KEY/);
    expect(await row()).toBeUndefined();
  });
});
