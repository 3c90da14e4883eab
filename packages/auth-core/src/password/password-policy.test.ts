import { describe, expect, it } from "vitest";
import { createPasswordPolicy, loadCommonPasswords } from "./password-policy.js";

const commonPasswords = loadCommonPasswords();
function passwordPolicyViolation(
  password: string,
  context: { minLength: number; username?: string; email?: string },
): string | null {
  const { minLength, ...identity } = context;
  return createPasswordPolicy({ minLength, commonPasswords }).violation(password, identity);
}

const context = { minLength: 8, username: "alice", email: "alice.smith@example.com" };

describe("password policy", () => {
  it("accepts a long unusual password", () => {
    expect(passwordPolicyViolation("tangerine-orbit-47-kettle", context)).toBeNull();
  });

  it("refuses passwords under the configured floor, counting code points", () => {
    expect(passwordPolicyViolation("short1!", context)).toMatch(/at least 8/);
    // 8 emoji are 16 UTF-16 units but 8 characters: long enough.
    expect(passwordPolicyViolation("🔒🔑🗝️🛡️🔐🧱🪪🧿", { minLength: 8 })).toBeNull();
    expect(passwordPolicyViolation("🔒🔑🔐🧱🪪🧿🦊", { minLength: 8 })).toMatch(/at least 8/);
    expect(passwordPolicyViolation("twelve-chars", { minLength: 16 })).toMatch(/at least 16/);
  });

  it("refuses more than 256 characters", () => {
    expect(passwordPolicyViolation("a9".repeat(129), context)).toMatch(/at most 256/);
  });

  it("refuses the most common passwords, ignoring case", () => {
    expect(passwordPolicyViolation("password", context)).toMatch(/common/);
    expect(passwordPolicyViolation("Password1", context)).toMatch(/common/);
    expect(passwordPolicyViolation("QWERTYUIOP", context)).toMatch(/common/);
  });

  it("refuses a password containing the username or the email's local part, ignoring case", () => {
    expect(passwordPolicyViolation("xx-ALICE-wonderland", context)).toMatch(/username/);
    expect(
      passwordPolicyViolation("my-alice.smith-99", {
        minLength: 8,
        email: "alice.smith@example.com",
      }),
    ).toMatch(/email/);
  });

  it("ignores an email local part shorter than 3 characters", () => {
    expect(
      passwordPolicyViolation("jo-and-the-kettle", { minLength: 8, email: "jo@example.com" }),
    ).toBeNull();
  });
});
