import { existsSync } from "node:fs";
import { Kysely, SqliteDialect, sql } from "kysely";
import { createDatabase, dialectOf } from "../db/database.js";
import type { Database } from "../db/schema.js";
import { DatabaseUrlError, readDatabaseUrl } from "../db/sqlalchemy-url.js";
import { newId } from "../ids.js";
import { unstorableTextReason } from "../input/unstorable-text.js";
import { findTakenIdentity, insertUser } from "../user/user.repository.js";
import { emailSchema } from "../user/user-input.js";

/*
 * `warden-server import-users`: the users of an older (FastAPI-style) service,
 * read from its `users` table, become Warden users with their bcrypt hashes
 * unchanged, so they keep logging in with the passwords they have.
 */

export interface LegacyImportOptions {
  /** The old table; "users" by default. */
  readonly table?: string | undefined;
  readonly usernameColumn?: string | undefined;
  readonly emailColumn?: string | undefined;
  readonly passwordColumn?: string | undefined;
  readonly nameColumn?: string | undefined;
  /** Required when the old table has no email: users get `<username>@<emailDomain>`. */
  readonly emailDomain?: string | undefined;
  /** Users written per transaction; 500 by default. */
  readonly batchSize?: number | undefined;
  /** After each batch: how many rows are done, of how many. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  readonly now?: (() => string) | undefined;
}

/** The old service's database, to read from: a URL as DATABASE_URL takes, or SQLAlchemy's form. */
export interface LegacyDatabase {
  readonly db: Kysely<unknown>;
  /** Set when `--from` was a SQLAlchemy URL: what it was read as (no password). */
  readonly readAs: string | undefined;
  destroy(): Promise<void>;
}

/**
 * Opens the old database (`--from`): Warden's URL forms, or the SQLAlchemy URL
 * of the old service's `.env`. A SQLite file is opened read-only, and must
 * exist: the import neither creates a file nor switches the old one to WAL.
 */
export async function openLegacyDatabase(from: string): Promise<LegacyDatabase> {
  let url: string;
  let readAs: string | undefined;
  try {
    ({ url, readAs } = readDatabaseUrl(from));
  } catch (error) {
    if (error instanceof DatabaseUrlError) throw new LegacyImportError(`--from ${error.message}`);
    throw error;
  }
  if (dialectOf(url) === "sqlite") {
    const location = url.slice("file:".length);
    if (location === "" || location === ":memory:" || !existsSync(location))
      throw new LegacyImportError(`no SQLite file at "${location}"`);
    const { default: SQLite } = await import("better-sqlite3");
    const db = new Kysely<unknown>({
      dialect: new SqliteDialect({
        database: new SQLite(location, { readonly: true, fileMustExist: true }),
      }),
    });
    return { db, readAs, destroy: () => db.destroy() };
  }
  const database = createDatabase(url, { poolSize: 2 });
  return { db: database.db as Kysely<unknown>, readAs, destroy: () => database.destroy() };
}

/** The old table's columns the import reads. */
export interface LegacyColumns {
  readonly table: string;
  readonly id: string;
  readonly username: string | undefined;
  readonly email: string | undefined;
  readonly password: string;
  readonly name: string | undefined;
  readonly createdAt: string | undefined;
}

export interface LegacyImportReport {
  readonly columns: LegacyColumns;
  /** Rows in the old table. */
  readonly total: number;
  readonly imported: number;
  /** Imported users whose username, email or name was made valid: what changed, per user. */
  readonly changed: readonly { readonly id: string; readonly changes: readonly string[] }[];
  readonly skipped: readonly { readonly id: string; readonly reason: string }[];
  /** How many imported users got a value the old table did not have. */
  readonly derived: {
    readonly usernameFromEmail: number;
    readonly emailFromDomain: number;
    readonly nameFromUsername: number;
  };
}

/** A refusal of the whole import (no such table, no password column, …): nothing was written. */
export class LegacyImportError extends Error {
  override name = "LegacyImportError";
}

const PASSWORD_COLUMNS = ["hashed_password", "password", "password_hash"];
const NAME_COLUMNS = ["name", "full_name"];
/** bcrypt as passlib, PHP and the bcrypt libraries write it; Warden verifies all three unchanged. */
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
/**
 * Schemes recognised by their prefix, to name in a skip reason: passlib's and
 * crypt(3)'s `$<id>$…`, Django's `<algorithm>$…`. Only a listed name is ever
 * printed, never the hash (nor a plain-text password that happens to hold a "$").
 */
const CRYPT_SCHEMES: Readonly<Record<string, string>> = {
  "1": "md5-crypt",
  "2": "bcrypt-2",
  "2x": "bcrypt-2x",
  "5": "sha256-crypt",
  "6": "sha512-crypt",
  "7": "scrypt",
  y: "yescrypt",
  gy: "gost-yescrypt",
  apr1: "apr-md5-crypt",
  md5: "sun-md5-crypt",
  sha1: "sha1-crypt",
  P: "phpass",
  H: "phpass",
  pbkdf2: "pbkdf2-sha1",
  "pbkdf2-sha1": "pbkdf2-sha1",
  "pbkdf2-sha256": "pbkdf2-sha256",
  "pbkdf2-sha512": "pbkdf2-sha512",
  argon2i: "argon2i",
  argon2d: "argon2d",
  argon2id: "argon2id",
  scrypt: "scrypt",
  "bcrypt-sha256": "bcrypt-sha256",
};
const DJANGO_SCHEMES = new Set([
  "pbkdf2_sha256",
  "pbkdf2_sha1",
  "argon2",
  "bcrypt_sha256",
  "bcrypt",
  "scrypt",
  "sha1",
  "md5",
  "unsalted_sha1",
  "unsalted_md5",
  "crypt",
]);

/**
 * Why a hash is not one Warden takes, naming its scheme when its prefix is a
 * known one (`its scheme is "pbkdf2-sha256"`, `its scheme is Django's "pbkdf2_sha256"`).
 */
export function notBcryptReason(hash: string): string {
  const reason = "the password hash is not bcrypt ($2a$, $2b$ or $2y$)";
  if (/^\$2[aby]\$/.test(hash)) return `${reason}: it starts as one but is malformed`;
  const crypt = /^\$([A-Za-z0-9-]{1,20})\$/.exec(hash)?.[1];
  const cryptScheme =
    crypt !== undefined && Object.hasOwn(CRYPT_SCHEMES, crypt) ? CRYPT_SCHEMES[crypt] : undefined;
  if (cryptScheme) return `${reason}: its scheme is "${cryptScheme}"`;
  const django = /^([a-z0-9_]{2,20})\$/.exec(hash)?.[1];
  if (django !== undefined && DJANGO_SCHEMES.has(django))
    return `${reason}: its scheme is Django's "${django}"`;
  return reason;
}

const USERNAME_MIN = 3;
const USERNAME_MAX = 32;
const NAME_MAX = 100;

/** The old table's columns: those named by options, else found by their usual names. */
export async function detectLegacyColumns<SourceDatabase>(
  source: Kysely<SourceDatabase>,
  options: LegacyImportOptions = {},
): Promise<LegacyColumns> {
  const wanted = options.table ?? "users";
  const tables = await source.introspection.getTables();
  const table =
    tables.find((t) => t.name === wanted && (t.schema === undefined || t.schema === "public")) ??
    tables.find((t) => t.name === wanted) ??
    tables.find((t) => t.name.toLowerCase() === wanted.toLowerCase());
  if (!table) throw new LegacyImportError(`the old database has no table "${wanted}"`);
  const columns = table.columns.map((column) => column.name);
  const named = (option: string, flag: string | undefined): string | undefined => {
    if (flag === undefined) return undefined;
    const found =
      columns.find((c) => c === flag) ??
      columns.find((c) => c.toLowerCase() === flag.toLowerCase());
    if (!found)
      throw new LegacyImportError(`${option}: table "${table.name}" has no column "${flag}"`);
    return found;
  };
  const detect = (names: readonly string[]) => {
    for (const name of names) {
      const found = columns.find((c) => c.toLowerCase() === name);
      if (found) return found;
    }
    return undefined;
  };
  const id = detect(["id"]);
  if (!id) throw new LegacyImportError(`table "${table.name}" has no "id" column`);
  const username = named("--username-column", options.usernameColumn) ?? detect(["username"]);
  const email = named("--email-column", options.emailColumn) ?? detect(["email"]);
  const password = named("--password-column", options.passwordColumn) ?? detect(PASSWORD_COLUMNS);
  const name = named("--name-column", options.nameColumn) ?? detect(NAME_COLUMNS);
  const createdAt = detect(["created_at"]);
  if (!password)
    throw new LegacyImportError(
      `table "${table.name}" has no password column (${PASSWORD_COLUMNS.join(", ")}): name it with --password-column`,
    );
  if (!username && !email)
    throw new LegacyImportError(
      `table "${table.name}" has neither a username nor an email column: name one with --username-column or --email-column`,
    );
  return { table: table.name, id, username, email, password, name, createdAt };
}

interface LegacyRow {
  id: unknown;
  username?: unknown;
  email?: unknown;
  password?: unknown;
  name?: unknown;
  created_at?: unknown;
}

interface PlannedUser {
  id: string;
  username: string;
  email: string;
  name: string;
  passwordHash: string;
  createdAt: string;
  changes: string[];
  derived: { usernameFromEmail: boolean; emailFromDomain: boolean; nameFromUsername: boolean };
}

const text = (value: unknown): string | undefined => {
  if (value === null || value === undefined) return undefined;
  const s = (typeof value === "string" ? value : String(value)).trim();
  return s === "" ? undefined : s;
};

const isValidUsername = (username: string) =>
  username.length >= USERNAME_MIN &&
  username.length <= USERNAME_MAX &&
  /^[A-Za-z0-9_.-]+$/.test(username);

/** Invalid characters become "_", then padded with "_" or cut to fit 3–32 characters. */
function validUsername(raw: string): string {
  let username = raw.replace(/[^A-Za-z0-9_.-]/gu, "_");
  if (username.length < USERNAME_MIN) username = username.padEnd(USERNAME_MIN, "_");
  return username.slice(0, USERNAME_MAX);
}

/** `base`, or base2, base3, … (cut to fit 32 characters) when a key is taken. */
function uniqueUsername(base: string, taken: Set<string>): string {
  if (!taken.has(base.toLowerCase())) return base;
  for (let n = 2; ; n++) {
    const suffix = String(n);
    const candidate = `${base.slice(0, USERNAME_MAX - suffix.length)}${suffix}`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
}

function isoTimestamp(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  const s = text(value);
  if (s === undefined) return undefined;
  // "2024-01-02 03:04:05" (SQLite, MySQL strings) has no zone: the old services wrote UTC.
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(s) ? s : `${s.replace(" ", "T")}Z`;
  const date = new Date(zoned);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * Reads the old table and decides, without touching Warden, what each row
 * becomes. Deterministic: the same old table gives the same usernames on
 * every run, which is what makes a second run skip everyone.
 */
function planImport(
  rows: readonly LegacyRow[],
  options: LegacyImportOptions,
  now: string,
): { planned: PlannedUser[]; skipped: { id: string; reason: string }[] } {
  const skipped: { id: string; reason: string }[] = [];
  const candidates: {
    row: LegacyRow;
    id: string;
    hash: string;
    email?: string;
    raw: string;
    fromEmail: boolean;
  }[] = [];
  for (const row of rows) {
    const id = String(row.id);
    const hash = typeof row.password === "string" ? row.password.trim() : undefined;
    if (!hash) {
      skipped.push({ id, reason: "no password hash" });
      continue;
    }
    if (!BCRYPT_HASH.test(hash)) {
      skipped.push({ id, reason: notBcryptReason(hash) });
      continue;
    }
    const email = text(row.email);
    const username = text(row.username);
    const raw = username ?? email?.split("@")[0];
    if (!raw) {
      skipped.push({ id, reason: "neither a username nor an email" });
      continue;
    }
    candidates.push({
      row,
      id,
      hash,
      ...(email ? { email } : {}),
      raw,
      fromEmail: username === undefined,
    });
  }

  // Usernames valid as they are keep them (the first, by id, of any that differ only in case);
  // the others are made valid and unique around them.
  const taken = new Set<string>();
  const keeps = new Set<(typeof candidates)[number]>();
  for (const candidate of candidates) {
    const key = candidate.raw.toLowerCase();
    if (!candidate.fromEmail && isValidUsername(candidate.raw) && !taken.has(key)) {
      taken.add(key);
      keeps.add(candidate);
    }
  }

  const planned: PlannedUser[] = [];
  const emails = new Map<string, string>();
  for (const candidate of candidates) {
    const { id, raw, row } = candidate;
    const changes: string[] = [];
    let username = raw;
    if (!keeps.has(candidate)) {
      const valid = validUsername(raw);
      username = uniqueUsername(valid, taken);
      taken.add(username.toLowerCase());
      if (username !== raw) {
        const why: string[] = [];
        if (/[^A-Za-z0-9_.-]/u.test(raw)) why.push("invalid characters replaced with _");
        if (raw.length < USERNAME_MIN) why.push(`padded to ${USERNAME_MIN} characters`);
        if (raw.length > USERNAME_MAX) why.push(`cut to ${USERNAME_MAX} characters`);
        if (username !== valid) why.push("a number added: the name was taken");
        else if (why.length === 0 && valid !== raw) why.push("made valid");
        changes.push(
          `username "${raw}"${candidate.fromEmail ? " (from the email)" : ""} → "${username}" (${why.join("; ")})`,
        );
      }
    }

    let email = candidate.email;
    const emailFromDomain = email === undefined;
    if (email === undefined) {
      if (options.emailDomain === undefined) {
        skipped.push({ id, reason: "no email, and no --email-domain to make one" });
        continue;
      }
      email = `${username}@${options.emailDomain}`;
    }
    if (!emailSchema.safeParse(email).success) {
      skipped.push({ id, reason: `"${email}" is not a valid email address` });
      continue;
    }
    const emailKey = email.toLowerCase();
    const earlier = emails.get(emailKey);
    if (earlier !== undefined) {
      skipped.push({ id, reason: `email "${email}" is also row ${earlier}'s` });
      continue;
    }
    emails.set(emailKey, id);

    let name = text(row.name);
    const nameFromUsername = name === undefined || unstorableTextReason(name) !== null;
    if (name !== undefined && unstorableTextReason(name) !== null) {
      changes.push(`name replaced by the username (${unstorableTextReason(name)})`);
    }
    if (name === undefined || nameFromUsername) name = username;
    if ([...name].length > NAME_MAX) {
      name = [...name].slice(0, NAME_MAX).join("").trim();
      changes.push(`name cut to ${NAME_MAX} characters`);
    }

    planned.push({
      id,
      username,
      email,
      name,
      passwordHash: candidate.hash,
      createdAt: isoTimestamp(row.created_at) ?? now,
      changes,
      derived: {
        usernameFromEmail: candidate.fromEmail,
        emailFromDomain,
        nameFromUsername: nameFromUsername && text(row.name) === undefined,
      },
    });
  }
  return { planned, skipped };
}

/**
 * Imports the old table's users into Warden (`target`), one transaction per
 * batch. Users whose username or email Warden already has are skipped, so a
 * second run adds nothing. No hash ever appears in the report.
 */
export async function importLegacyUsers<SourceDatabase>(
  source: Kysely<SourceDatabase>,
  target: Kysely<Database>,
  options: LegacyImportOptions = {},
): Promise<LegacyImportReport> {
  const columns = await detectLegacyColumns(source, options);
  if (!columns.email && options.emailDomain === undefined)
    throw new LegacyImportError(
      `table "${columns.table}" has no email column, and Warden requires an email: give --email-domain <domain> (users get <username>@<domain>)`,
    );
  if (
    options.emailDomain !== undefined &&
    !emailSchema.safeParse(`user@${options.emailDomain}`).success
  )
    throw new LegacyImportError(
      `--email-domain "${options.emailDomain}" is not a valid email domain`,
    );
  const batchSize = options.batchSize ?? 500;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new LegacyImportError("the batch size must be a whole number above 0");
  const now = options.now ?? (() => new Date().toISOString());

  const selected = [
    sql`${sql.ref(columns.id)} as ${sql.id("id")}`,
    sql`${sql.ref(columns.password)} as ${sql.id("password")}`,
  ];
  const optional = {
    username: columns.username,
    email: columns.email,
    name: columns.name,
    created_at: columns.createdAt,
  };
  for (const [alias, column] of Object.entries(optional)) {
    if (column) selected.push(sql`${sql.ref(column)} as ${sql.id(alias)}`);
  }
  const { rows } =
    await sql<LegacyRow>`select ${sql.join(selected)} from ${sql.table(columns.table)} order by ${sql.ref(columns.id)}`.execute(
      source,
    );

  const { planned, skipped } = planImport(rows, options, now());
  const changed: { id: string; changes: string[] }[] = [];
  const derived = { usernameFromEmail: 0, emailFromDomain: 0, nameFromUsername: 0 };
  let imported = 0;
  const notPlanned = rows.length - planned.length;
  options.onProgress?.(notPlanned, rows.length);
  for (let start = 0; start < planned.length; start += batchSize) {
    const batch = planned.slice(start, start + batchSize);
    const outcome = await target.transaction().execute(async (trx) => {
      const done: PlannedUser[] = [];
      const refused: { id: string; reason: string }[] = [];
      const stamp = now();
      for (const user of batch) {
        const taken = await findTakenIdentity(trx, user);
        const collision =
          taken ??
          (await insertUser(
            trx,
            {
              id: newId(),
              username: user.username,
              email: user.email,
              name: user.name,
              role: "user",
              createdAt: user.createdAt,
              passwordHash: user.passwordHash,
              disabled: false,
              emailVerified: false,
              twoFactorEnabled: false,
            },
            stamp,
          ));
        if (collision === null) done.push(user);
        else
          refused.push({
            id: user.id,
            reason:
              collision === "username"
                ? `Warden already has the username "${user.username}"`
                : `Warden already has the email "${user.email}"`,
          });
      }
      return { done, refused };
    });
    for (const user of outcome.done) {
      imported++;
      if (user.changes.length > 0) changed.push({ id: user.id, changes: user.changes });
      if (user.derived.usernameFromEmail) derived.usernameFromEmail++;
      if (user.derived.emailFromDomain) derived.emailFromDomain++;
      if (user.derived.nameFromUsername) derived.nameFromUsername++;
    }
    skipped.push(...outcome.refused);
    options.onProgress?.(notPlanned + start + batch.length, rows.length);
  }
  const order = new Map(rows.map((row, index) => [String(row.id), index]));
  skipped.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return { columns, total: rows.length, imported, changed, skipped, derived };
}
