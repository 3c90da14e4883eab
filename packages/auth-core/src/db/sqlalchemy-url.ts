/*
 * A FastAPI service's `.env` holds a SQLAlchemy URL (`sqlite:///./app.db`,
 * `postgresql+psycopg://…`, `mysql+pymysql://…`): this reads one as the URL
 * Warden's drivers take (`file:`, `postgresql://`, `mysql://`). The Python
 * driver named after `+` is irrelevant (Warden uses its own drivers); only the
 * dialect counts. Query parameters are kept when Warden's driver means the
 * same by them, dropped (and said so) when they only tune a Python driver,
 * and refused otherwise.
 */

/** Why a URL cannot be read; the caller names where it came from (DATABASE_URL, --from). */
export class DatabaseUrlError extends Error {
  override name = "DatabaseUrlError";
}

export interface ReadDatabaseUrl {
  /** The URL for Warden's drivers. */
  readonly url: string;
  /**
   * Set when the value was a SQLAlchemy URL: one line saying what it was read
   * as, the password shown as `***`, and any parameter dropped. Undefined for Warden's own forms.
   */
  readonly readAs: string | undefined;
}

const WARDEN_FORM = /^(file:|postgres:\/\/|postgresql:\/\/|mysql:\/\/)/;
const WARDEN_FORMS = '"file:", "postgres://", "postgresql://" or "mysql://"';
const SQLALCHEMY_FORMS =
  '"sqlite:///<path>", "postgresql+<driver>://", "mysql+<driver>://" or "mariadb+<driver>://"';

/** SQLAlchemy's own URL pattern (sqlalchemy/engine/url.py): the password may hold any character but "@". */
const SQLALCHEMY_URL =
  /^(?<name>[\w+]+):\/\/(?:(?<username>[^:/]*)(?::(?<password>[^@]*))?@)?(?:(?:\[(?<ipv6host>[^/?]+)\]|(?<ipv4host>[^/:?]+))?(?::(?<port>[^/?]*))?)?(?:\/(?<database>[^?]*))?(?:\?(?<query>.*))?$/s;

type Dialect = "sqlite" | "postgresql" | "mysql";
const DIALECTS: Readonly<Record<string, Dialect>> = {
  sqlite: "sqlite",
  postgresql: "postgresql",
  postgres: "postgresql",
  mysql: "mysql",
  mariadb: "mysql",
};

/** libpq's sslmode values Warden's PostgreSQL driver (pg, libpq-compatible mode) honours alike. */
const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"];

/** What each dialect does with a query parameter: kept (perhaps renamed), dropped with a reason, or refused. */
type ParameterRule =
  | { readonly keep: string }
  | { readonly drop: string }
  | { readonly refuse: string };

const PARAMETERS: Readonly<Record<Dialect, Readonly<Record<string, ParameterRule>>>> = {
  sqlite: {
    check_same_thread: { drop: "Python's sqlite3 only" },
    timeout: { drop: "Warden waits 5 s for a lock" },
    cached_statements: { drop: "Python's sqlite3 only" },
    detect_types: { drop: "Python's sqlite3 only" },
    isolation_level: { drop: "Python's sqlite3 only" },
  },
  postgresql: {
    sslmode: { keep: "sslmode" },
    ssl: { keep: "sslmode" },
    sslrootcert: { keep: "sslrootcert" },
    sslcert: { keep: "sslcert" },
    sslkey: { keep: "sslkey" },
    application_name: { keep: "application_name" },
    options: { keep: "options" },
    host: { keep: "host" },
    connect_timeout: { drop: "Warden waits 5 s for a connection" },
    client_encoding: { drop: "Warden always talks UTF-8" },
    prepared_statement_cache_size: { drop: "asyncpg only" },
    async_fallback: { drop: "SQLAlchemy only" },
  },
  mysql: {
    charset: { drop: "Warden always talks utf8mb4" },
    use_unicode: { drop: "Python's drivers only" },
    binary_prefix: { drop: "Python's drivers only" },
    connect_timeout: { drop: "Warden waits 5 s for a connection" },
    ssl_ca: { refuse: "TLS settings are not read from a MySQL URL" },
    ssl_cert: { refuse: "TLS settings are not read from a MySQL URL" },
    ssl_key: { refuse: "TLS settings are not read from a MySQL URL" },
    ssl: { refuse: "TLS settings are not read from a MySQL URL" },
    ssl_check_hostname: { refuse: "TLS settings are not read from a MySQL URL" },
    ssl_verify_cert: { refuse: "TLS settings are not read from a MySQL URL" },
    ssl_verify_identity: { refuse: "TLS settings are not read from a MySQL URL" },
    unix_socket: { refuse: "a socket path is not read from a MySQL URL" },
  },
};

/** Python's urllib.parse.unquote: %XX runs as UTF-8, a stray "%" left as it is. */
function unquote(value: string): string {
  return value.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) =>
    Buffer.from(run.replace(/%/g, ""), "hex").toString("utf8"),
  );
}

/** Python's urllib.parse.parse_qsl, as SQLAlchemy reads the query: "+" is a space. */
function parseQuery(query: string): [string, string][] {
  return query
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf("=");
      const [key, value] = at === -1 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
      return [unquote(key.replace(/\+/g, " ")), unquote(value.replace(/\+/g, " "))];
    });
}

/**
 * Reads a database URL: Warden's forms unchanged, a SQLAlchemy URL translated.
 * Throws DatabaseUrlError, whose message follows the name of the setting
 * ("DATABASE_URL must start with …", "--from must start with …").
 *
 * @example readDatabaseUrl("sqlite:///./app.db").url === "file:./app.db"
 * @example readDatabaseUrl("postgresql+asyncpg://app:pw@db/app").url === "postgresql://app:pw@db/app"
 */
export function readDatabaseUrl(value: string): ReadDatabaseUrl {
  const trimmed = value.trim();
  if (WARDEN_FORM.test(trimmed)) return { url: trimmed, readAs: undefined };
  const refused = () =>
    new DatabaseUrlError(
      `must start with ${WARDEN_FORMS}, or be a SQLAlchemy URL (${SQLALCHEMY_FORMS})`,
    );
  const match = SQLALCHEMY_URL.exec(trimmed);
  const groups = match?.groups;
  if (!groups) throw refused();
  const name = groups.name ?? "";
  const [backend = "", driver] = name.split("+");
  const dialect = Object.hasOwn(DIALECTS, backend.toLowerCase())
    ? DIALECTS[backend.toLowerCase()]
    : undefined;
  if (!dialect) throw refused();
  if (driver !== undefined && !/^\w+$/.test(driver)) throw refused();

  const kept = new URLSearchParams();
  const dropped: string[] = [];
  for (const [key, parameter] of parseQuery(groups.query ?? "")) {
    const rule = Object.hasOwn(PARAMETERS[dialect], key) ? PARAMETERS[dialect][key] : undefined;
    if (!rule) {
      const known = Object.entries(PARAMETERS[dialect])
        .filter(([, r]) => !("refuse" in r))
        .map(([k]) => k);
      throw new DatabaseUrlError(
        `has the parameter "${key}", which Warden's ${dialect === "postgresql" ? "PostgreSQL" : dialect === "mysql" ? "MySQL" : "SQLite"} driver does not take (it reads ${known.join(", ")})`,
      );
    }
    if ("refuse" in rule) throw new DatabaseUrlError(`has the parameter "${key}": ${rule.refuse}`);
    if ("drop" in rule) {
      dropped.push(`${key} (${rule.drop})`);
      continue;
    }
    if (rule.keep === "sslmode") {
      if (!SSL_MODES.includes(parameter))
        throw new DatabaseUrlError(
          `has ${key}=${parameter}: Warden's PostgreSQL driver takes sslmode ${SSL_MODES.join(", ")} (it never falls back to an unencrypted connection, so "prefer" and "allow" are not taken: write "require" or "disable")`,
        );
      // libpq's meaning of each mode ("require" encrypts without checking the certificate), as psycopg had it.
      kept.set("sslmode", parameter);
      kept.set("uselibpqcompat", "true");
      continue;
    }
    kept.append(rule.keep, parameter);
  }
  const droppedNote = dropped.length ? `; dropped: ${dropped.join(", ")}` : "";
  const query = kept.size ? `?${kept.toString()}` : "";

  if (dialect === "sqlite") {
    if (groups.username !== undefined || groups.ipv4host || groups.ipv6host || groups.port)
      throw new DatabaseUrlError(
        'is a SQLite URL with a host: write "sqlite:///<relative path>" or "sqlite:////<absolute path>"',
      );
    const path = groups.database ?? "";
    const url = path === "" || path === ":memory:" ? "file::memory:" : `file:${path}`;
    return { url, readAs: `a SQLAlchemy URL (${name}), read as ${url}${droppedNote}` };
  }

  // Neither value is printed: with an unencoded "@" in the password, they hold part of it.
  const port = groups.port ?? "";
  if (port !== "" && !/^\d{1,5}$/.test(port))
    throw new DatabaseUrlError(
      'has a port that is not a number (an "@" in the password is written %40)',
    );
  if (`${groups.ipv4host ?? ""}${groups.ipv6host ?? ""}`.includes("@"))
    throw new DatabaseUrlError(
      'has an "@" after the password: write an "@" in the password as %40',
    );
  const username = groups.username === undefined ? undefined : unquote(groups.username);
  const password = groups.password === undefined ? undefined : unquote(groups.password);
  const host = groups.ipv6host !== undefined ? `[${groups.ipv6host}]` : (groups.ipv4host ?? "");
  const database = encodeURIComponent(unquote(groups.database ?? ""));
  const scheme = dialect === "postgresql" ? "postgresql" : "mysql";
  const build = (shownPassword: string | undefined) => {
    const credentials =
      username === undefined
        ? ""
        : `${encodeURIComponent(username)}${shownPassword === undefined ? "" : `:${shownPassword}`}@`;
    return `${scheme}://${credentials}${host}${port ? `:${port}` : ""}/${database}${query}`;
  };
  const url = build(password === undefined ? undefined : encodeURIComponent(password));
  const shown = build(password === undefined ? undefined : "***");
  return {
    url,
    readAs: `a SQLAlchemy URL (${name}: Warden uses its own driver), read as ${shown}${droppedNote}`,
  };
}
