import { describe, expect, it } from "vitest";
import { parseConfig, parseDuration } from "./config.js";

describe("config", () => {
  it("has the CONTRACT's defaults", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      databaseUrl: "file:./data/warden.db",
      host: "127.0.0.1",
      port: 3000,
      issuer: "http://127.0.0.1:3000",
      audience: "http://127.0.0.1:3000",
      jwt: { algorithm: "EdDSA" },
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 30 * 86400,
      bcryptCost: 12,
      passwordMinLength: 8,
      production: false,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("parses durations in seconds or with a unit", () => {
    expect(parseDuration("90")).toBe(90);
    expect(parseDuration("15m")).toBe(900);
    expect(parseDuration("12h")).toBe(43200);
    expect(parseDuration("30d")).toBe(2592000);
    expect(parseDuration("0")).toBeNull();
    expect(parseDuration("15 minutes")).toBeNull();
  });

  it.each([
    [{ BCRYPT_COST: "9" }, /BCRYPT_COST must be from 10 to 15/],
    [{ BCRYPT_COST: "16" }, /BCRYPT_COST must be from 10 to 15/],
    [{ BCRYPT_COST: "twelve" }, /BCRYPT_COST must be a whole number/],
    [{ PASSWORD_MIN_LENGTH: "7" }, /PASSWORD_MIN_LENGTH must be from 8 to 64/],
    [{ PASSWORD_MIN_LENGTH: "65" }, /PASSWORD_MIN_LENGTH must be from 8 to 64/],
    [{ ACCESS_TOKEN_TTL: "soon" }, /ACCESS_TOKEN_TTL must be seconds/],
    [{ JWT_ALGORITHM: "none" }, /JWT_ALGORITHM must be one of/],
    [{ DATABASE_URL: "sqlite://x" }, /DATABASE_URL must start with/],
    [{ PORT: "70000" }, /PORT must be from 0 to 65535/],
    [{ JWT_ALGORITHM: "HS256", JWT_SECRET: "too-short" }, /JWT_SECRET must be at least 32 bytes/],
  ])("refuses %o, naming the variable and the rule", (env, message) => {
    expect(() => parseConfig(env)).toThrow(message);
  });

  it("in production refuses to start without keys, or with a weak or placeholder secret", () => {
    expect(() => parseConfig({ NODE_ENV: "production" })).toThrow(
      /JWT_PRIVATE_KEY \(or WARDEN_KEY_ENCRYPTION_KEY.*\) is required in production/,
    );
    expect(() => parseConfig({ NODE_ENV: "production", JWT_ALGORITHM: "HS256" })).toThrow(
      /JWT_SECRET is required/,
    );
    expect(() =>
      parseConfig({
        NODE_ENV: "production",
        JWT_ALGORITHM: "HS256",
        JWT_SECRET: "change-me-to-a-long-random-secret-value",
      }),
    ).toThrow(/placeholder/);
    expect(() =>
      parseConfig({ NODE_ENV: "production", JWT_ALGORITHM: "HS256", JWT_SECRET: "a".repeat(40) }),
    ).toThrow(/too few distinct/);
    expect(
      parseConfig({
        NODE_ENV: "production",
        WARDEN_KEY_ENCRYPTION_KEY: "Vq8kP1zR4mN7tY2wB5xC9dF3gH6jL0sA",
      }).jwt.keyEncryptionKey,
    ).toBeDefined();
    expect(() =>
      parseConfig({
        NODE_ENV: "production",
        WARDEN_KEY_ENCRYPTION_KEY: "changeme-changeme-changeme-changeme",
      }),
    ).toThrow(/WARDEN_KEY_ENCRYPTION_KEY/);
    expect(
      parseConfig({
        NODE_ENV: "production",
        JWT_ALGORITHM: "HS256",
        JWT_SECRET: "Vq8kP1zR4mN7tY2wB5xC9dF3gH6jL0sA",
      }).production,
    ).toBe(true);
  });
});
