import { describe, expect, it } from "vitest";
import { matchingTimeStep, newTotpSecret, otpauthUri, timeStepAt, totpCodeAt } from "./totp.js";

describe("TOTP", () => {
  it("matches RFC 6238 Appendix B (SHA-1)", () => {
    const seed = new TextEncoder().encode("12345678901234567890");
    expect(totpCodeAt(seed, new Date(59_000), 8)).toBe("94287082");
    expect(totpCodeAt(seed, new Date(1_111_111_109_000), 8)).toBe("07081804");
    expect(totpCodeAt(seed, new Date(2_000_000_000_000), 8)).toBe("69279037");
    // Six digits are the last six of the eight.
    expect(totpCodeAt(seed, new Date(59_000))).toBe("287082");
  });

  it("makes 160-bit base32 secrets and otpauth URIs", () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    const uri = new URL(otpauthUri({ secret, issuer: "Warden", account: "alice" }));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.href.startsWith("otpauth://totp/Warden:alice?")).toBe(true);
    expect(uri.searchParams.get("secret")).toBe(secret);
    expect(uri.searchParams.get("issuer")).toBe("Warden");
  });

  it("accepts one step either side, refuses two, and refuses steps up to the last used", () => {
    const secret = newTotpSecret();
    // Early, middle and late in a step: the window is always exactly ±1 step.
    for (const offset of [0, 14_000, 29_999]) {
      const at = new Date(Date.UTC(2026, 0, 1) + offset);
      const step = timeStepAt(at);
      const codeAt = (steps: number) => totpCodeAt(secret, new Date(at.getTime() + steps * 30_000));
      for (const steps of [-1, 0, 1])
        expect(matchingTimeStep(secret, codeAt(steps), at)).toBe(step + steps);
      for (const steps of [-2, 2]) expect(matchingTimeStep(secret, codeAt(steps), at)).toBeNull();
      expect(matchingTimeStep(secret, codeAt(0), at, step)).toBeNull();
      expect(matchingTimeStep(secret, codeAt(1), at, step)).toBe(step + 1);
      expect(matchingTimeStep(secret, codeAt(0), at, step - 1)).toBe(step);
    }
  });

  it("refuses anything but six digits", () => {
    const secret = newTotpSecret();
    const at = new Date();
    const code = totpCodeAt(secret, at);
    expect(matchingTimeStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, at)).toBe(
      timeStepAt(at),
    );
    for (const junk of ["", "12345", "1234567", "abcdef", `${code}0`, "١٢٣٤٥٦"])
      expect(matchingTimeStep(secret, junk, at)).toBeNull();
  });
});
