import { isIP } from "node:net";
import { z } from "zod";
import { DatabaseUrlError, readDatabaseUrl } from "./db/sqlalchemy-url.js";
import { ConfigError } from "./errors.js";

export const SIGNING_ALGORITHMS = ["EdDSA", "ES256", "RS256", "HS256"] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

const DURATION_UNITS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** "900", "900s", "15m", "12h", "30d" → seconds. */
export function parseDuration(value: string): number | null {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!match) return null;
  const unit = (match[2] || "s") as keyof typeof DURATION_UNITS;
  const seconds = Number(match[1]) * DURATION_UNITS[unit];
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : null;
}

const duration = z.string().transform((value, ctx) => {
  const seconds = parseDuration(value);
  if (seconds === null) {
    ctx.addIssue({
      code: "custom",
      message: 'must be seconds, or a number with "s", "m", "h" or "d"',
    });
    return z.NEVER;
  }
  return seconds;
});

/** "20/10m": at most 20 in any 10 minutes; "off": no limit. */
const rate = z.string().transform((value, ctx) => {
  if (value.trim().toLowerCase() === "off") return null;
  const match = /^(\d+)\/(.+)$/.exec(value.trim());
  const points = match ? Number(match[1]) : 0;
  const seconds = match?.[2] ? parseDuration(match[2]) : null;
  if (!match || points < 1 || !Number.isSafeInteger(points) || seconds === null) {
    ctx.addIssue({
      code: "custom",
      message: 'must be "<count>/<duration>" (e.g. "20/10m") or "off"',
    });
    return z.NEVER;
  }
  return { points, durationSeconds: seconds };
});

/**
 * Fastify's `trustProxy`: "false"/"off" (the default: X-Forwarded-For is
 * ignored), a hop count, or a comma-separated list of proxy addresses and
 * CIDR ranges.
 */
const trustProxy = z.string().transform((value, ctx): false | number | string[] => {
  const trimmed = value.trim().toLowerCase();
  if (trimmed === "false" || trimmed === "off" || trimmed === "0") return false;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const entries = trimmed
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = entries.filter((entry) => {
    const [address = "", prefix] = entry.split("/");
    const family = isIP(address);
    if (family === 0) return true;
    if (prefix === undefined) return false;
    const bits = /^\d+$/.test(prefix) ? Number(prefix) : -1;
    return bits < 0 || bits > (family === 4 ? 32 : 128);
  });
  if (entries.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: "custom",
      message: `must be "off", a hop count, or addresses/CIDR ranges${bad.length ? ` (not: ${bad.join(", ")})` : ""}`,
    });
    return z.NEVER;
  }
  return entries;
});

const integerIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, `must be from ${min} to ${max}`)
        .max(max, `must be from ${min} to ${max}`),
    );

/** "true"/"false", "1"/"0", "yes"/"no", "on"/"off". */
const boolean = z.string().transform((value, ctx) => {
  const word = value.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(word)) return true;
  if (["false", "0", "no", "off"].includes(word)) return false;
  ctx.addIssue({ code: "custom", message: 'must be "true" or "false"' });
  return z.NEVER;
});

/** smtp://user:password@host:587 (STARTTLS when offered) or smtps://…:465; never echoed, it holds a password. */
const smtpUrl = z.string().superRefine((value, ctx) => {
  let url: URL | null = null;
  try {
    url = new URL(value.trim());
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== "smtp:" && url.protocol !== "smtps:") || !url.hostname) {
    ctx.addIssue({
      code: "custom",
      message:
        'must be "smtp://user:password@host:587" or "smtps://user:password@host:465" (URL-encode special characters in the user and password)',
    });
  }
});

/** An http(s) URL with "{token}" where the link's token goes. */
const linkTemplate = z.string().superRefine((value, ctx) => {
  if (!value.includes("{token}")) {
    ctx.addIssue({ code: "custom", message: 'must contain "{token}", where the token goes' });
    return;
  }
  let url: URL | null = null;
  try {
    url = new URL(value.replaceAll("{token}", "token"));
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    ctx.addIssue({ code: "custom", message: "must be an http(s) URL" });
  }
});

/** "Name <address>" or an address: one line, with an "@". */
const mailFrom = z
  .string()
  .refine(
    (value) => value.includes("@") && !/[\r\n]/.test(value),
    'must be an address, or "Name <address>", on one line',
  );

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);

const environmentSchema = z.object({
  NODE_ENV: z.preprocess(emptyAsUndefined, z.string().default("development")),
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(
        /^(file:|postgres:\/\/|postgresql:\/\/|mysql:\/\/)/,
        'must start with "file:", "postgres://", "postgresql://" or "mysql://"',
      )
      .default("file:./data/warden.db"),
  ),
  HOST: z.preprocess(emptyAsUndefined, z.string().default("127.0.0.1")),
  PORT: z.preprocess(emptyAsUndefined, integerIn(0, 65535).default(3000)),
  WARDEN_ISSUER: z.preprocess(emptyAsUndefined, z.url("must be an http(s) URL").optional()),
  WARDEN_AUDIENCE: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
  JWT_ALGORITHM: z.preprocess(
    emptyAsUndefined,
    z.enum(SIGNING_ALGORITHMS, `must be one of ${SIGNING_ALGORITHMS.join(", ")}`).default("EdDSA"),
  ),
  JWT_SECRET: z.preprocess(emptyAsUndefined, z.string().optional()),
  JWT_PRIVATE_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  ACCESS_TOKEN_TTL: z.preprocess(emptyAsUndefined, duration.default(15 * 60)),
  REFRESH_TOKEN_TTL: z.preprocess(emptyAsUndefined, duration.default(30 * 86400)),
  SESSION_MAX_AGE: z.preprocess(emptyAsUndefined, duration.default(90 * 86400)),
  REGISTER_RATE_LIMIT: z.preprocess(
    emptyAsUndefined,
    rate.default({ points: 20, durationSeconds: 600 }),
  ),
  TRUST_PROXY: z.preprocess(emptyAsUndefined, trustProxy.default(false)),
  BCRYPT_COST: z.preprocess(emptyAsUndefined, integerIn(10, 15).default(12)),
  PASSWORD_MIN_LENGTH: z.preprocess(emptyAsUndefined, integerIn(8, 64).default(8)),
  REDIS_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^rediss?:\/\//, 'must start with "redis://" or "rediss://"')
      .optional(),
  ),
  LOG_LEVEL: z.preprocess(
    emptyAsUndefined,
    z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  ),
  CORS_ORIGINS: z.preprocess(emptyAsUndefined, z.string().optional()),
  WARDEN_KEY_ENCRYPTION_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  SMTP_URL: z.preprocess(emptyAsUndefined, smtpUrl.optional()),
  MAIL_FROM: z.preprocess(emptyAsUndefined, mailFrom.optional()),
  MAIL_DIR: z.preprocess(emptyAsUndefined, z.string().default("./data/mail/")),
  PUBLIC_URL: z.preprocess(emptyAsUndefined, z.url("must be an http(s) URL").optional()),
  VERIFY_EMAIL_URL: z.preprocess(emptyAsUndefined, linkTemplate.optional()),
  RESET_PASSWORD_URL: z.preprocess(emptyAsUndefined, linkTemplate.optional()),
  REQUIRE_VERIFIED_EMAIL: z.preprocess(emptyAsUndefined, boolean.default(false)),
  PASSWORD_RESET_TTL: z.preprocess(emptyAsUndefined, duration.default(3600)),
  EMAIL_VERIFICATION_TTL: z.preprocess(emptyAsUndefined, duration.default(86400)),
});

export interface WardenConfig {
  readonly production: boolean;
  readonly databaseUrl: string;
  readonly host: string;
  readonly port: number;
  readonly issuer: string;
  readonly audience: string;
  readonly jwt: {
    readonly algorithm: SigningAlgorithm;
    /** HS256 only: the secret's UTF-8 bytes. */
    readonly secret: string | undefined;
    /** Asymmetric algorithms: PKCS#8 PEM or a private JWK as JSON. */
    readonly privateKey: string | undefined;
    /** Encrypts signing keys kept in the database (generated, rotated by `keys rotate`). */
    readonly keyEncryptionKey: string | undefined;
  };
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /** How long a session may last from its login, however often it is refreshed (ASVS 7.3.2). */
  readonly sessionMaxAgeSeconds: number;
  /** Registrations allowed per client IP in a window; null when off. */
  readonly registerRateLimit: { readonly points: number; readonly durationSeconds: number } | null;
  /** When X-Forwarded-For is believed: Fastify's `trustProxy`. */
  readonly trustProxy: false | number | readonly string[];
  readonly bcryptCost: number;
  readonly passwordMinLength: number;
  readonly redisUrl: string | undefined;
  readonly logLevel: string;
  /** Browser origins allowed by CORS; empty means none. */
  readonly corsOrigins: readonly string[];
  readonly mail: {
    /** SMTP_URL: holds the SMTP password, so it is never logged. Unset: `.eml` files in development, no mail in production. */
    readonly smtpUrl: string | undefined;
    /** MAIL_FROM; by default "Warden <no-reply@<the issuer's host>>". */
    readonly from: string;
    /** MAIL_DIR: where development writes each mail as a `.eml` file when SMTP_URL is unset. */
    readonly dir: string;
  };
  /** Where links in mails point: `createAccountLinks`'s options. */
  readonly links: {
    /** PUBLIC_URL, by default the issuer: Warden's hosted pages are under it. */
    readonly publicUrl: string;
    /** VERIFY_EMAIL_URL: the app's own page, "{token}" where the token goes. */
    readonly verifyEmailTemplate: string | undefined;
    /** RESET_PASSWORD_URL, likewise. */
    readonly resetPasswordTemplate: string | undefined;
  };
  /** The use cases' `accountRules`. */
  readonly accountRules: {
    /** REQUIRE_VERIFIED_EMAIL: logins refuse accounts whose address is not verified. */
    readonly requireVerifiedEmail: boolean;
    readonly emailVerificationTtlSeconds: number;
    readonly passwordResetTtlSeconds: number;
  };
  /**
   * Warnings the server logs once at start: one per FastAPI-style variable
   * read in place of Warden's own (SECRET_KEY for JWT_SECRET, say), naming
   * both, and one when production runs without SMTP_URL.
   */
  readonly notices: readonly string[];
}

type Environment = Readonly<Record<string, string | undefined>>;

const present = (env: Environment, name: string): string | undefined => {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
};

/**
 * The variables of a FastAPI service's `.env` (full-stack-fastapi-template and
 * the like), read when Warden's own are unset: returns the environment with
 * Warden's names filled in, what each mapping read, and the problems found.
 */
function mapLegacyVariables(env: Environment): {
  env: Record<string, string | undefined>;
  notices: string[];
  /** Warden's variable → the old variable its value came from. */
  sources: Record<string, string>;
  problems: string[];
} {
  const mapped: Record<string, string | undefined> = { ...env };
  const notices: string[] = [];
  const sources: Record<string, string> = {};
  const problems: string[] = [];
  const use = (warden: string, old: string, value: string) => {
    mapped[warden] = value;
    sources[warden] = old;
    notices.push(`${old} is read as ${warden} (a FastAPI-style variable): rename it to ${warden}`);
  };

  const algorithm = present(env, "ALGORITHM");
  if (present(env, "JWT_ALGORITHM") === undefined && algorithm === "HS256") {
    use("JWT_ALGORITHM", "ALGORITHM", "HS256");
  }
  const secretKey = present(env, "SECRET_KEY");
  if (
    present(env, "JWT_SECRET") === undefined &&
    secretKey !== undefined &&
    algorithm === "HS256"
  ) {
    use("JWT_SECRET", "SECRET_KEY", secretKey);
  }
  const expireMinutes = present(env, "ACCESS_TOKEN_EXPIRE_MINUTES");
  if (present(env, "ACCESS_TOKEN_TTL") === undefined && expireMinutes !== undefined) {
    if (/^\d+$/.test(expireMinutes.trim()) && Number(expireMinutes) > 0) {
      use("ACCESS_TOKEN_TTL", "ACCESS_TOKEN_EXPIRE_MINUTES", `${Number(expireMinutes)}m`);
    } else {
      problems.push("ACCESS_TOKEN_EXPIRE_MINUTES must be a whole number of minutes above 0");
    }
  }

  if (present(env, "DATABASE_URL") === undefined) {
    const mysqlHost = present(env, "MYSQL_HOST");
    const postgresHostName =
      present(env, "POSTGRES_HOST") !== undefined ? "POSTGRES_HOST" : "POSTGRES_SERVER";
    const postgresHost = present(env, postgresHostName);
    if (mysqlHost !== undefined && postgresHost !== undefined) {
      problems.push(
        `both MYSQL_HOST and ${postgresHostName} are set: set DATABASE_URL to choose the database`,
      );
    } else if (mysqlHost !== undefined) {
      const url = legacyDatabaseUrl(env, problems, {
        scheme: "mysql",
        host: ["MYSQL_HOST", mysqlHost],
        port: "MYSQL_PORT",
        user: "MYSQL_USER",
        password: "MYSQL_PASSWORD",
        database: "MYSQL_DATABASE",
      });
      if (url) use("DATABASE_URL", url.from, url.url);
    } else if (postgresHost !== undefined) {
      const url = legacyDatabaseUrl(env, problems, {
        scheme: "postgres",
        host: [postgresHostName, postgresHost],
        port: "POSTGRES_PORT",
        user: "POSTGRES_USER",
        password: "POSTGRES_PASSWORD",
        database: "POSTGRES_DB",
      });
      if (url) use("DATABASE_URL", url.from, url.url);
    }
  }

  // A SQLAlchemy URL (sqlite:///./app.db, postgresql+psycopg://…) is read in Warden's form.
  const databaseUrl = present(mapped, "DATABASE_URL");
  if (databaseUrl !== undefined) {
    try {
      const read = readDatabaseUrl(databaseUrl);
      mapped.DATABASE_URL = read.url;
      if (read.readAs) notices.push(`DATABASE_URL is ${read.readAs}`);
    } catch (error) {
      if (!(error instanceof DatabaseUrlError)) throw error;
      const from = sources.DATABASE_URL;
      problems.push(`${from ? `${from} (as DATABASE_URL)` : "DATABASE_URL"} ${error.message}`);
      mapped.DATABASE_URL = undefined;
    }
  }
  return { env: mapped, notices, sources, problems };
}

/** `<scheme>://user:password@host:port/database` from the FastAPI variables; the password URL-encoded. */
function legacyDatabaseUrl(
  env: Environment,
  problems: string[],
  names: {
    scheme: string;
    host: [string, string];
    port: string;
    user: string;
    password: string;
    database: string;
  },
): { url: string; from: string } | null {
  const [hostName, host] = names.host;
  const port = present(env, names.port);
  const user = present(env, names.user);
  const password = present(env, names.password);
  const database = present(env, names.database);
  if (database === undefined) {
    problems.push(`${names.database} is required to build DATABASE_URL from ${hostName}`);
    return null;
  }
  if (port !== undefined && !/^\d{1,5}$/.test(port.trim())) {
    problems.push(`${names.port} must be a port number`);
    return null;
  }
  const credentials =
    user === undefined
      ? ""
      : `${encodeURIComponent(user)}${password === undefined ? "" : `:${encodeURIComponent(password)}`}@`;
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const used = [hostName, names.port, names.user, names.password, names.database].filter(
    (name) => present(env, name) !== undefined,
  );
  return {
    url: `${names.scheme}://${credentials}${bracketed}${port === undefined ? "" : `:${port.trim()}`}/${encodeURIComponent(database)}`,
    from: used.join("/"),
  };
}

const MIN_SECRET_BYTES = 32;
const PLACEHOLDER_SECRET =
  /change|replace|example|secret|password|placeholder|your[-_ ]?|xxxx|todo/i;

/** Why a secret is too weak for production, or null when it is fine. */
export function weakSecretReason(secret: string): string | null {
  if (Buffer.byteLength(secret, "utf8") < MIN_SECRET_BYTES)
    return `must be at least ${MIN_SECRET_BYTES} bytes`;
  if (PLACEHOLDER_SECRET.test(secret))
    return "looks like a placeholder; generate one with `openssl rand -base64 48`";
  if (new Set(secret).size < 10) return "has too few distinct characters to be random";
  return null;
}

/**
 * Parses the environment once into a frozen config. Throws ConfigError whose
 * message names each bad variable and its rule, so the server can refuse to
 * start with one readable line.
 */
export function parseConfig(env: Environment): WardenConfig {
  const legacy = mapLegacyVariables(env);
  // A mapped value's problem names the variable it was read from: "SECRET_KEY (as JWT_SECRET) …".
  const named = (variable: string) =>
    legacy.sources[variable] ? `${legacy.sources[variable]} (as ${variable})` : variable;
  const parsed = environmentSchema.safeParse(legacy.env);
  if (!parsed.success || legacy.problems.length > 0) {
    const problems = [
      ...legacy.problems,
      ...(parsed.error?.issues ?? []).map(
        (issue) => `${named(issue.path.join("."))} ${issue.message}`,
      ),
    ];
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  const problems: string[] = [];

  if (e.JWT_ALGORITHM === "HS256") {
    if (e.JWT_SECRET === undefined) {
      if (production) problems.push("JWT_SECRET is required for HS256");
    } else {
      const weak =
        Buffer.byteLength(e.JWT_SECRET, "utf8") < MIN_SECRET_BYTES
          ? `must be at least ${MIN_SECRET_BYTES} bytes`
          : production
            ? weakSecretReason(e.JWT_SECRET)
            : null;
      if (weak) problems.push(`${named("JWT_SECRET")} ${weak}`);
    }
  } else if (
    production &&
    e.JWT_PRIVATE_KEY === undefined &&
    e.WARDEN_KEY_ENCRYPTION_KEY === undefined
  ) {
    problems.push(
      `JWT_PRIVATE_KEY (or WARDEN_KEY_ENCRYPTION_KEY, to keep rotating keys encrypted in the database) is required in production for ${e.JWT_ALGORITHM}`,
    );
  }
  if (e.WARDEN_KEY_ENCRYPTION_KEY !== undefined) {
    const weak = weakSecretReason(e.WARDEN_KEY_ENCRYPTION_KEY);
    if (
      weak &&
      (production || Buffer.byteLength(e.WARDEN_KEY_ENCRYPTION_KEY, "utf8") < MIN_SECRET_BYTES)
    ) {
      problems.push(`WARDEN_KEY_ENCRYPTION_KEY ${weak}`);
    }
  }
  if (production && e.REQUIRE_VERIFIED_EMAIL && e.SMTP_URL === undefined) {
    problems.push(
      "REQUIRE_VERIFIED_EMAIL=true needs SMTP_URL in production: without mail no address could be verified, so nobody could log in",
    );
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  const notices = [...legacy.notices];
  if (production && e.SMTP_URL === undefined) {
    notices.push(
      "SMTP_URL is not set: Warden sends no mail, so accounts are registered without a verification mail and email verification, password reset and email change answer MAIL_UNAVAILABLE",
    );
  }

  const displayHost = e.HOST.includes(":") ? `[${e.HOST}]` : e.HOST;
  const issuer = (e.WARDEN_ISSUER ?? `http://${displayHost}:${e.PORT}`).replace(/\/+$/, "");
  return Object.freeze({
    production,
    databaseUrl: e.DATABASE_URL,
    host: e.HOST,
    port: e.PORT,
    issuer,
    audience: e.WARDEN_AUDIENCE ?? issuer,
    jwt: Object.freeze({
      algorithm: e.JWT_ALGORITHM,
      secret: e.JWT_SECRET,
      privateKey: e.JWT_PRIVATE_KEY,
      keyEncryptionKey: e.WARDEN_KEY_ENCRYPTION_KEY,
    }),
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL,
    refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL,
    sessionMaxAgeSeconds: e.SESSION_MAX_AGE,
    registerRateLimit: e.REGISTER_RATE_LIMIT,
    trustProxy: e.TRUST_PROXY,
    bcryptCost: e.BCRYPT_COST,
    passwordMinLength: e.PASSWORD_MIN_LENGTH,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    corsOrigins: Object.freeze(
      (e.CORS_ORIGINS ?? "")
        .split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
    mail: Object.freeze({
      smtpUrl: e.SMTP_URL?.trim(),
      from: e.MAIL_FROM ?? `Warden <no-reply@${mailDomain(issuer)}>`,
      dir: e.MAIL_DIR,
    }),
    links: Object.freeze({
      publicUrl: (e.PUBLIC_URL ?? issuer).replace(/\/+$/, ""),
      verifyEmailTemplate: e.VERIFY_EMAIL_URL,
      resetPasswordTemplate: e.RESET_PASSWORD_URL,
    }),
    accountRules: Object.freeze({
      requireVerifiedEmail: e.REQUIRE_VERIFIED_EMAIL,
      emailVerificationTtlSeconds: e.EMAIL_VERIFICATION_TTL,
      passwordResetTtlSeconds: e.PASSWORD_RESET_TTL,
    }),
    notices: Object.freeze(notices),
  });
}

/** The issuer's host name for MAIL_FROM's default; "localhost" for an IP address, which is no mail domain. */
function mailDomain(issuer: string): string {
  const hostname = new URL(issuer).hostname;
  return hostname === "" || isIP(hostname.replace(/^\[|\]$/g, "")) !== 0 ? "localhost" : hostname;
}
