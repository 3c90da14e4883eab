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
    [
      { DATABASE_URL: "oracle://x/db" },
      /DATABASE_URL must start with "file:".*or be a SQLAlchemy URL/,
    ],
    [{ DATABASE_URL: "sqlite://x" }, /DATABASE_URL is a SQLite URL with a host/],
    [
      { DATABASE_URL: "postgresql+psycopg://u:pw@db/app?sslmode=prefer" },
      /DATABASE_URL has sslmode=prefer/,
    ],
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

describe("config from a FastAPI service's .env", () => {
  const strong = "Vq8kP1zR4mN7tY2wB5xC9dF3gH6jL0sA";

  it("reads SECRET_KEY with ALGORITHM=HS256 as the HS256 secret, with a notice for each", () => {
    const config = parseConfig({ SECRET_KEY: strong, ALGORITHM: "HS256" });
    expect(config.jwt).toMatchObject({ algorithm: "HS256", secret: strong });
    expect(config.notices).toEqual([
      "ALGORITHM is read as JWT_ALGORITHM (a FastAPI-style variable): rename it to JWT_ALGORITHM",
      "SECRET_KEY is read as JWT_SECRET (a FastAPI-style variable): rename it to JWT_SECRET",
    ]);
    expect(Object.isFrozen(config.notices)).toBe(true);
  });

  it("ignores SECRET_KEY without ALGORITHM=HS256", () => {
    const config = parseConfig({ SECRET_KEY: strong });
    expect(config.jwt).toMatchObject({ algorithm: "EdDSA", secret: undefined });
    expect(config.notices).toEqual([]);
  });

  it("reads ACCESS_TOKEN_EXPIRE_MINUTES as the access-token TTL in minutes", () => {
    const config = parseConfig({ ACCESS_TOKEN_EXPIRE_MINUTES: "60" });
    expect(config.accessTokenTtlSeconds).toBe(3600);
    expect(config.notices).toEqual([
      "ACCESS_TOKEN_EXPIRE_MINUTES is read as ACCESS_TOKEN_TTL (a FastAPI-style variable): rename it to ACCESS_TOKEN_TTL",
    ]);
    expect(() => parseConfig({ ACCESS_TOKEN_EXPIRE_MINUTES: "soon" })).toThrow(
      /ACCESS_TOKEN_EXPIRE_MINUTES must be a whole number of minutes/,
    );
  });

  it.each([
    ["sqlite:///./app.db", "file:./app.db", "a SQLAlchemy URL (sqlite), read as file:./app.db"],
    [
      "sqlite:////srv/old/app.db",
      "file:/srv/old/app.db",
      "a SQLAlchemy URL (sqlite), read as file:/srv/old/app.db",
    ],
    [
      "postgresql+psycopg://app:p%40ss:w/rd@db:5432/app?sslmode=require",
      "postgresql://app:p%40ss%3Aw%2Frd@db:5432/app?sslmode=require&uselibpqcompat=true",
      "a SQLAlchemy URL (postgresql+psycopg: Warden uses its own driver), read as postgresql://app:***@db:5432/app?sslmode=require&uselibpqcompat=true",
    ],
    [
      "postgresql+asyncpg://app:pw@db/app",
      "postgresql://app:pw@db/app",
      "a SQLAlchemy URL (postgresql+asyncpg: Warden uses its own driver), read as postgresql://app:***@db/app",
    ],
    [
      "mysql+pymysql://app:pw@db:3306/app?charset=utf8mb4",
      "mysql://app:pw@db:3306/app",
      "a SQLAlchemy URL (mysql+pymysql: Warden uses its own driver), read as mysql://app:***@db:3306/app; dropped: charset (Warden always talks utf8mb4)",
    ],
    [
      "mariadb+mariadbconnector://app:pw@db/app",
      "mysql://app:pw@db/app",
      "a SQLAlchemy URL (mariadb+mariadbconnector: Warden uses its own driver), read as mysql://app:***@db/app",
    ],
  ])("reads the SQLAlchemy URL %s in DATABASE_URL as %s, with one notice", (value, url, readAs) => {
    const config = parseConfig({ DATABASE_URL: value });
    expect(config.databaseUrl).toBe(url);
    expect(config.notices).toEqual([`DATABASE_URL is ${readAs}`]);
    expect(config.notices.join("\n")).not.toMatch(/:pw@|p%40ss/);
  });

  it("adds no notice for Warden's own DATABASE_URL forms", () => {
    for (const url of ["file:./x.db", "postgres://u:pw@db/app", "mysql://u:pw@db/app"]) {
      const config = parseConfig({ DATABASE_URL: url });
      expect(config.databaseUrl).toBe(url);
      expect(config.notices).toEqual([]);
    }
  });

  it("builds DATABASE_URL from the MYSQL_* variables, the password URL-encoded", () => {
    const config = parseConfig({
      MYSQL_HOST: "db",
      MYSQL_PORT: "3307",
      MYSQL_USER: "app",
      MYSQL_PASSWORD: "p@ss:w/rd#1",
      MYSQL_DATABASE: "app",
    });
    expect(config.databaseUrl).toBe("mysql://app:p%40ss%3Aw%2Frd%231@db:3307/app");
    expect(new URL(config.databaseUrl).password).toBe("p%40ss%3Aw%2Frd%231");
    expect(config.notices).toEqual([
      "MYSQL_HOST/MYSQL_PORT/MYSQL_USER/MYSQL_PASSWORD/MYSQL_DATABASE is read as DATABASE_URL (a FastAPI-style variable): rename it to DATABASE_URL",
    ]);
  });

  it("builds DATABASE_URL from the POSTGRES_* variables, POSTGRES_SERVER as the host", () => {
    expect(
      parseConfig({
        POSTGRES_SERVER: "localhost",
        POSTGRES_USER: "postgres",
        POSTGRES_PASSWORD: "s3cr et",
        POSTGRES_DB: "app",
      }).databaseUrl,
    ).toBe("postgres://postgres:s3cr%20et@localhost/app");
    const config = parseConfig({
      POSTGRES_HOST: "pg",
      POSTGRES_PORT: "5433",
      POSTGRES_USER: "u",
      POSTGRES_DB: "app",
    });
    expect(config.databaseUrl).toBe("postgres://u@pg:5433/app");
    expect(config.notices).toEqual([
      "POSTGRES_HOST/POSTGRES_PORT/POSTGRES_USER/POSTGRES_DB is read as DATABASE_URL (a FastAPI-style variable): rename it to DATABASE_URL",
    ]);
    expect(() => parseConfig({ POSTGRES_HOST: "pg" })).toThrow(
      /POSTGRES_DB is required to build DATABASE_URL from POSTGRES_HOST/,
    );
    expect(() =>
      parseConfig({ POSTGRES_HOST: "pg", POSTGRES_DB: "a", MYSQL_HOST: "m", MYSQL_DATABASE: "b" }),
    ).toThrow(/both MYSQL_HOST and POSTGRES_HOST are set/);
  });

  it("Warden's own variables win, and then no notice is given", () => {
    const other = "Zr9Lq2Wm5Xn8Bp3Vc6Kd1Fg4Hj7Ts0Ya";
    const config = parseConfig({
      JWT_ALGORITHM: "HS256",
      JWT_SECRET: other,
      ALGORITHM: "HS256",
      SECRET_KEY: strong,
      ACCESS_TOKEN_TTL: "5m",
      ACCESS_TOKEN_EXPIRE_MINUTES: "60",
      DATABASE_URL: "file:./x.db",
      POSTGRES_SERVER: "localhost",
      POSTGRES_DB: "app",
    });
    expect(config.jwt.secret).toBe(other);
    expect(config.accessTokenTtlSeconds).toBe(300);
    expect(config.databaseUrl).toBe("file:./x.db");
    expect(config.notices).toEqual([]);
    // JWT_ALGORITHM set to something else: ALGORITHM=HS256 does not choose HS256, nor read SECRET_KEY as a secret for it.
    expect(
      parseConfig({ JWT_ALGORITHM: "EdDSA", ALGORITHM: "HS256", SECRET_KEY: strong }).jwt.algorithm,
    ).toBe("EdDSA");
  });

  it("applies the production rules to a mapped SECRET_KEY, naming it", () => {
    expect(() =>
      parseConfig({ NODE_ENV: "production", ALGORITHM: "HS256", SECRET_KEY: "changethis" }),
    ).toThrow(/SECRET_KEY \(as JWT_SECRET\) must be at least 32 bytes/);
    expect(() =>
      parseConfig({
        NODE_ENV: "production",
        ALGORITHM: "HS256",
        SECRET_KEY: "changethis-changethis-changethis-changethis",
      }),
    ).toThrow(/SECRET_KEY \(as JWT_SECRET\) looks like a placeholder/);
    expect(
      parseConfig({ NODE_ENV: "production", ALGORITHM: "HS256", SECRET_KEY: strong }).jwt.secret,
    ).toBe(strong);
  });
});

describe("config for mail and account recovery", () => {
  const productionKeys = {
    NODE_ENV: "production",
    WARDEN_KEY_ENCRYPTION_KEY: "Vq8kP1zR4mN7tY2wB5xC9dF3gH6jL0sA",
  };

  it("has defaults: .eml files, links to Warden's own pages, 24 h and 1 h links", () => {
    const config = parseConfig({ WARDEN_ISSUER: "https://auth.example.com/" });
    expect(config.mail).toEqual({
      smtpUrl: undefined,
      from: "Warden <no-reply@auth.example.com>",
      dir: "./data/mail/",
    });
    expect(config.links).toEqual({
      publicUrl: "https://auth.example.com",
      verifyEmailTemplate: undefined,
      resetPasswordTemplate: undefined,
    });
    expect(config.accountRules).toEqual({
      requireVerifiedEmail: false,
      emailVerificationTtlSeconds: 86400,
      passwordResetTtlSeconds: 3600,
    });
    expect(config.notices).toEqual([]);
    // No mail domain in an IP address.
    expect(parseConfig({}).mail.from).toBe("Warden <no-reply@localhost>");
  });

  it("reads every variable", () => {
    const config = parseConfig({
      SMTP_URL: "smtps://mailer:s3cret@smtp.example.com:465",
      MAIL_FROM: "Example Accounts <accounts@example.com>",
      MAIL_DIR: "/var/lib/warden/mail",
      PUBLIC_URL: "https://id.example.com/",
      VERIFY_EMAIL_URL: "https://app.example.com/verify?token={token}",
      RESET_PASSWORD_URL: "https://app.example.com/reset/{token}",
      REQUIRE_VERIFIED_EMAIL: "true",
      PASSWORD_RESET_TTL: "30m",
      EMAIL_VERIFICATION_TTL: "2d",
    });
    expect(config.mail).toEqual({
      smtpUrl: "smtps://mailer:s3cret@smtp.example.com:465",
      from: "Example Accounts <accounts@example.com>",
      dir: "/var/lib/warden/mail",
    });
    expect(config.links).toEqual({
      publicUrl: "https://id.example.com",
      verifyEmailTemplate: "https://app.example.com/verify?token={token}",
      resetPasswordTemplate: "https://app.example.com/reset/{token}",
    });
    expect(config.accountRules).toEqual({
      requireVerifiedEmail: true,
      emailVerificationTtlSeconds: 2 * 86400,
      passwordResetTtlSeconds: 1800,
    });
    for (const [value, expected] of [
      ["false", false],
      ["0", false],
      ["off", false],
      ["1", true],
      ["yes", true],
    ] as const) {
      expect(parseConfig({ REQUIRE_VERIFIED_EMAIL: value }).accountRules.requireVerifiedEmail).toBe(
        expected,
      );
    }
  });

  it.each([
    [{ SMTP_URL: "http://mail.example.com" }, /SMTP_URL must be "smtp:\/\/user:password@host:587"/],
    [{ SMTP_URL: "mail.example.com:587" }, /SMTP_URL must be/],
    [
      { VERIFY_EMAIL_URL: "https://app.example.com/verify" },
      /VERIFY_EMAIL_URL must contain "\{token\}"/,
    ],
    [
      { RESET_PASSWORD_URL: "https://app.example.com/reset?t=" },
      /RESET_PASSWORD_URL must contain "\{token\}"/,
    ],
    [{ RESET_PASSWORD_URL: "javascript:{token}" }, /RESET_PASSWORD_URL must be an http\(s\) URL/],
    [{ PUBLIC_URL: "not a url" }, /PUBLIC_URL must be an http\(s\) URL/],
    [{ MAIL_FROM: "Warden" }, /MAIL_FROM must be an address/],
    [{ MAIL_FROM: "a@example.com\r\nBcc: b@example.com" }, /MAIL_FROM must be an address/],
    [{ REQUIRE_VERIFIED_EMAIL: "maybe" }, /REQUIRE_VERIFIED_EMAIL must be "true" or "false"/],
    [{ PASSWORD_RESET_TTL: "soon" }, /PASSWORD_RESET_TTL must be seconds/],
    [{ EMAIL_VERIFICATION_TTL: "0" }, /EMAIL_VERIFICATION_TTL must be seconds/],
  ])("refuses %o, naming the variable and the rule", (env, message) => {
    expect(() => parseConfig(env)).toThrow(message);
  });

  it("never prints the SMTP password, even in the message for a bad SMTP_URL", () => {
    for (const url of [
      "smtpx://mailer:hunter2-pw@smtp.example.com",
      "smtp://mailer:hunter2-pw%zz@host",
    ]) {
      expect(() => parseConfig({ SMTP_URL: url })).toThrow(/SMTP_URL must be/);
      try {
        parseConfig({ SMTP_URL: url });
      } catch (error) {
        expect(String(error)).not.toContain("hunter2");
      }
    }
    const config = parseConfig({ ...productionKeys, SMTP_URL: "smtp://u:hunter2-pw@host:587" });
    expect(config.notices.join("\n")).not.toContain("hunter2");
  });

  it("in production without SMTP_URL starts, with one notice; with it, none", () => {
    const config = parseConfig(productionKeys);
    expect(config.notices).toEqual([
      expect.stringMatching(/^SMTP_URL is not set: Warden sends no mail.*MAIL_UNAVAILABLE/),
    ]);
    expect(parseConfig({ ...productionKeys, SMTP_URL: "smtp://host:587" }).notices).toEqual([]);
  });

  it("refuses REQUIRE_VERIFIED_EMAIL=true without SMTP_URL in production, saying why", () => {
    expect(() => parseConfig({ ...productionKeys, REQUIRE_VERIFIED_EMAIL: "true" })).toThrow(
      /REQUIRE_VERIFIED_EMAIL=true needs SMTP_URL in production: .*nobody could log in/,
    );
    expect(
      parseConfig({ ...productionKeys, REQUIRE_VERIFIED_EMAIL: "true", SMTP_URL: "smtp://host" })
        .accountRules.requireVerifiedEmail,
    ).toBe(true);
    // Development reads the verification mail from its .eml file.
    expect(parseConfig({ REQUIRE_VERIFIED_EMAIL: "true" }).accountRules.requireVerifiedEmail).toBe(
      true,
    );
  });
});
