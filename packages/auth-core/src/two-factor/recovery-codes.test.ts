import { describe, expect, it } from "vitest";
import {
  hashRecoveryCode,
  newRecoveryCode,
  newRecoveryCodes,
  normaliseRecoveryCode,
} from "./recovery-codes.js";

describe("recovery codes", () => {
  it("are xxxx-xxxx-xxxx of 60 random bits, ten distinct", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes)
      expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){2}$/);
    // 12 characters of a 32-letter alphabet: 60 bits.
    expect(Math.log2(32) * 12).toBeGreaterThanOrEqual(60);
  });

  it("match what a person types: case, spaces, dashes, look-alike letters", () => {
    const code = "ab1c-0def-gh01";
    const normalised = normaliseRecoveryCode(code);
    expect(normalised).toBe("ab1c0defgh01");
    for (const typed of [
      "AB1C-0DEF-GH01",
      "ab1c0defgh01",
      " ab1c 0def gh01 ",
      "abIc-Odef-gh0L",
      "ab1c–0def–gh01",
    ])
      expect(normaliseRecoveryCode(typed)).toBe(normalised);
    for (const junk of ["", "ab1c-0def-gh0", "ab1c-0def-gh011", "ab1c-0def-gh0u", "x".repeat(100)])
      expect(normaliseRecoveryCode(junk)).toBeNull();
    expect(normaliseRecoveryCode(newRecoveryCode())).toHaveLength(12);
  });

  it("hash per account", () => {
    expect(hashRecoveryCode("a", "ab1c0defgh01")).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode("a", "ab1c0defgh01")).not.toBe(hashRecoveryCode("b", "ab1c0defgh01"));
  });
});
