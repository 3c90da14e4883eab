import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { AuthError } from "../errors.js";
import { loadCommonPasswords } from "../password/password-policy.js";
import { describeEachDatabase } from "../testing/describe-each-database.js";
import { createManualClock, createTestWarden } from "../testing/test-warden.js";

const commonPasswords = loadCommonPasswords();

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  return (error as AuthError).code;
}

describeEachDatabase("one-time tokens", (current) => {
  async function setUp() {
    const clock = createManualClock(new Date());
    const warden = await createTestWarden(current().database, { clock, commonPasswords });
    const register = (name = `u${randomUUID().slice(0, 8)}`) =>
      warden.users.register({
        username: name,
        email: `${name}@example.com`,
        name,
        password: "tangerine-orbit-47",
      });
    return { clock, warden, tokens: warden.oneTimeTokens, user: await register(), register };
  }

  it("is 256 random bits, stored only as its hash, and works once", async () => {
    const { warden, tokens, user } = await setUp();
    const token = await tokens.issue(user.id, "reset_password", 3600);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await warden.database.db
      .selectFrom("one_time_tokens")
      .selectAll()
      .where("user_id", "=", user.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);

    expect(await tokens.peek(token, ["reset_password"])).toMatchObject({ userId: user.id });
    expect(await tokens.redeem(token, ["reset_password"])).toMatchObject({ userId: user.id });
    expect(await refusal(tokens.redeem(token, ["reset_password"]))).toBe("INVALID_ONE_TIME_TOKEN");
  });

  it("never begins with '-' or '_', which a command line would read as an option", async () => {
    const { tokens, user } = await setUp();
    for (let i = 0; i < 200; i++) {
      const token = await tokens.issue(user.id, "verify_email", 3600, user.email);
      expect(token).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{42}$/);
    }
  });

  it("of ten parallel uses, exactly one succeeds", async () => {
    const { tokens, user } = await setUp();
    const token = await tokens.issue(user.id, "reset_password", 3600);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => tokens.redeem(token, ["reset_password"])),
    );
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
  });

  it("ten parallel replacements for one account leave exactly one live token, without a deadlock", async () => {
    const { warden, tokens, user } = await setUp();
    const issued = await Promise.all(
      Array.from({ length: 10 }, () => tokens.issue(user.id, "reset_password", 3600)),
    );
    const rows = await warden.database.db
      .selectFrom("one_time_tokens")
      .select("token_hash")
      .where("user_id", "=", user.id)
      .execute();
    expect(rows).toHaveLength(1);
    const live = await Promise.allSettled(
      issued.map((token) => tokens.peek(token, ["reset_password"])),
    );
    expect(live.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
  });

  it("tokens issued at once for many accounts (parallel registrations) all land, without a deadlock", async () => {
    const { tokens, register } = await setUp();
    const accounts = await Promise.all(Array.from({ length: 8 }, () => register()));
    for (let round = 0; round < 3; round++) {
      const issued = await Promise.all(
        accounts.map((account) => tokens.issue(account.id, "verify_email", 3600, account.email)),
      );
      for (const [i, token] of issued.entries()) {
        expect(await tokens.peek(token, ["verify_email"])).toMatchObject({
          userId: accounts[i]?.id,
        });
      }
    }
  });

  it("works for its purpose only, and dies when it expires", async () => {
    const { clock, tokens, user } = await setUp();
    const reset = await tokens.issue(user.id, "reset_password", 3600);
    expect(await refusal(tokens.redeem(reset, ["verify_email", "change_email"]))).toBe(
      "INVALID_ONE_TIME_TOKEN",
    );
    // The wrong-purpose attempt did not use it up.
    clock.advance(3599);
    expect(await tokens.peek(reset, ["reset_password"])).toMatchObject({ userId: user.id });
    clock.advance(1);
    expect(await refusal(tokens.redeem(reset, ["reset_password"]))).toBe("INVALID_ONE_TIME_TOKEN");
  });

  it("dies when a newer one of the same purpose is issued, or when revoked", async () => {
    const { tokens, user, register } = await setUp();
    const first = await tokens.issue(user.id, "reset_password", 3600);
    const verify = await tokens.issue(user.id, "verify_email", 3600, user.email);
    const second = await tokens.issue(user.id, "reset_password", 3600);
    expect(await refusal(tokens.peek(first, ["reset_password"]))).toBe("INVALID_ONE_TIME_TOKEN");
    expect(await tokens.peek(second, ["reset_password"])).toMatchObject({ userId: user.id });
    // Another purpose, and another account's tokens, are untouched.
    const other = await register();
    const othersToken = await tokens.issue(other.id, "reset_password", 3600);
    await tokens.revoke(user.id, ["reset_password"]);
    expect(await refusal(tokens.peek(second, ["reset_password"]))).toBe("INVALID_ONE_TIME_TOKEN");
    expect(await tokens.peek(verify, ["verify_email"])).toMatchObject({ email: user.email });
    expect(await tokens.peek(othersToken, ["reset_password"])).toMatchObject({ userId: other.id });
  });

  it("refuses junk, and a token that differs in case from a real one", async () => {
    const { tokens, user } = await setUp();
    const token = await tokens.issue(user.id, "reset_password", 3600);
    for (const junk of [
      "",
      "x",
      "a".repeat(43),
      `${token}x`,
      "é".repeat(43),
      token.toUpperCase(),
    ]) {
      if (junk === token) continue;
      expect(await refusal(tokens.redeem(junk, ["reset_password"]))).toBe("INVALID_ONE_TIME_TOKEN");
    }
    expect(await tokens.redeem(token, ["reset_password"])).toMatchObject({ userId: user.id });
  });

  it("goes with its account when the account is deleted", async () => {
    const { warden, tokens, user } = await setUp();
    const token = await tokens.issue(user.id, "reset_password", 3600);
    await warden.users.delete(user.id);
    expect(await refusal(tokens.peek(token, ["reset_password"]))).toBe("INVALID_ONE_TIME_TOKEN");
  });
});
