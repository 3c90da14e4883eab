import { describe, expect, it } from "vitest";
import { AuthError, invalidInput } from "../errors.js";
import type { Throttle } from "../throttle/throttle.js";
import { changePassword } from "./change-password.js";
import type { UseCaseDeps } from "./use-case-deps.js";

/**
 * How a password change settles its reserved attempt: a wrong current
 * password counts, a refused new one (the current was right) clears, and a
 * failure that says nothing about the password gives the attempt back.
 */
describe("changePassword settles its attempt by what the failure says", () => {
  function depsFailingWith(error: unknown) {
    const settled: string[] = [];
    const throttle: Throttle = {
      async reserveLogin() {
        return {
          succeeded: async () => void settled.push("succeeded"),
          failed: async () => {
            settled.push("failed");
            return { locked: false };
          },
          released: async () => void settled.push("released"),
        };
      },
      async checkClientAuthentication() {},
      async clientAuthenticationFailed() {},
      async registration() {},
      async passwordResetRequest() {},
      async mailResend() {},
      async clearAccount() {},
    };
    const deps = {
      throttle,
      users: {
        changePassword: async () => {
          throw error;
        },
      },
    } as unknown as Pick<
      UseCaseDeps,
      "users" | "sessions" | "audit" | "throttle" | "oneTimeTokens"
    >;
    return { deps, settled };
  }

  const caller = { userId: "u1", sessionId: "s1" };
  const input = { currentPassword: "a", newPassword: "b" };

  it.each([
    [
      "a wrong current password counts",
      invalidInput([{ field: "currentPassword", message: "x" }]),
      "failed",
    ],
    [
      "a refused new password clears the count",
      invalidInput([{ field: "newPassword", message: "x" }]),
      "succeeded",
    ],
    [
      "a busy server gives the attempt back",
      new AuthError("BUSY", { retryAfterSeconds: 1 }),
      "released",
    ],
    ["a database error gives the attempt back", new Error("connection lost"), "released"],
  ])("%s", async (_what, error, expected) => {
    const { deps, settled } = depsFailingWith(error);
    await expect(changePassword(deps, caller, input, {})).rejects.toBe(error);
    expect(settled).toEqual([expected]);
  });
});
