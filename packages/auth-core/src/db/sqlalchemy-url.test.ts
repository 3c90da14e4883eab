import { describe, expect, it } from "vitest";
import { DatabaseUrlError, readDatabaseUrl } from "./sqlalchemy-url.js";

describe("readDatabaseUrl", () => {
  it.each([
    "file:./data/warden.db",
    "file::memory:",
    "postgres://postgres@127.0.0.1:5432/warden",
    "postgresql://app:p%40ss@db/app?sslmode=verify-full",
    "mysql://root@127.0.0.1:3306/warden",
  ])("keeps Warden's own form %s unchanged", (url) => {
    expect(readDatabaseUrl(url)).toEqual({ url, readAs: undefined });
  });

  it.each([
    ["sqlite:///./app.db", "file:./app.db"],
    ["sqlite:///app.db", "file:app.db"],
    ["sqlite:////abs/path.db", "file:/abs/path.db"],
    ["sqlite+pysqlite:////srv/old/app.db", "file:/srv/old/app.db"],
    ["sqlite+aiosqlite:///./app.db", "file:./app.db"],
    ["sqlite://", "file::memory:"],
    ["sqlite:///:memory:", "file::memory:"],
  ])("reads the SQLite URL %s as %s", (from, url) => {
    const read = readDatabaseUrl(from);
    expect(read.url).toBe(url);
    expect(read.readAs).toBe(`a SQLAlchemy URL (${from.split(":")[0]}), read as ${url}`);
  });

  it.each([
    ["postgresql+psycopg://user:pw@host/db", "postgresql://user:pw@host/db"],
    ["postgresql+psycopg2://user:pw@host:5433/db", "postgresql://user:pw@host:5433/db"],
    ["postgresql+asyncpg://user:pw@host:5432/db", "postgresql://user:pw@host:5432/db"],
    ["postgresql+pg8000://user@[::1]:5432/db", "postgresql://user@[::1]:5432/db"],
    ["mysql+pymysql://user:pw@host/db", "mysql://user:pw@host/db"],
    ["mysql+aiomysql://user:pw@host:3306/db", "mysql://user:pw@host:3306/db"],
    ["mysql+asyncmy://user:pw@host:3306/db", "mysql://user:pw@host:3306/db"],
    ["mysql+mysqldb://user@host/db", "mysql://user@host/db"],
    ["mariadb+mariadbconnector://user:pw@host:3306/db", "mysql://user:pw@host:3306/db"],
    ["mariadb+pymysql://user:pw@host/db", "mysql://user:pw@host/db"],
  ])("reads %s as %s (the dialect counts, not the driver)", (from, url) => {
    const read = readDatabaseUrl(from);
    expect(read.url).toBe(url);
    const driver = from.split(":")[0] as string;
    expect(read.readAs).toBe(
      `a SQLAlchemy URL (${driver}: Warden uses its own driver), read as ${url.replace(":pw@", ":***@")}`,
    );
  });

  it("decodes the password as SQLAlchemy does and encodes it for Warden's drivers, never showing it", () => {
    // SQLAlchemy takes any character but "@" raw, and %XX escapes (%40 for "@").
    const raw = readDatabaseUrl("postgresql+psycopg://app:p%40ss:w/rd#1?x%zz é@db:5432/app");
    expect(raw.url).toBe("postgresql://app:p%40ss%3Aw%2Frd%231%3Fx%25zz%20%C3%A9@db:5432/app");
    expect(decodeURIComponent(new URL(raw.url).password)).toBe("p@ss:w/rd#1?x%zz é");
    expect(raw.readAs).toBe(
      "a SQLAlchemy URL (postgresql+psycopg: Warden uses its own driver), read as postgresql://app:***@db:5432/app",
    );
    const mysql = readDatabaseUrl(
      "mysql+pymysql://us%3Aer:%21%24%26%27%28%29%2A%2B%2C%3B%3D@db/app",
    );
    expect(mysql.url).toBe("mysql://us%3Aer:!%24%26'()*%2B%2C%3B%3D@db/app");
    const url = new URL(mysql.url);
    expect(decodeURIComponent(url.username)).toBe("us:er");
    expect(decodeURIComponent(url.password)).toBe("!$&'()*+,;=");
    expect(mysql.readAs).not.toContain("$&");
  });

  it("keeps the query parameters Warden's drivers understand, with their libpq meaning", () => {
    expect(readDatabaseUrl("postgresql+psycopg://u:pw@h/db?sslmode=require").url).toBe(
      "postgresql://u:pw@h/db?sslmode=require&uselibpqcompat=true",
    );
    // asyncpg spells it ssl=
    expect(readDatabaseUrl("postgresql+asyncpg://u:pw@h/db?ssl=verify-full").url).toBe(
      "postgresql://u:pw@h/db?sslmode=verify-full&uselibpqcompat=true",
    );
    expect(
      readDatabaseUrl(
        "postgresql+psycopg2://u@/db?host=/var/run/postgresql&application_name=old+api&sslmode=disable",
      ).url,
    ).toBe(
      "postgresql://u@/db?host=%2Fvar%2Frun%2Fpostgresql&application_name=old+api&sslmode=disable&uselibpqcompat=true",
    );
  });

  it("drops what only a Python driver reads, saying so", () => {
    const mysql = readDatabaseUrl("mysql+pymysql://u:pw@h/db?charset=utf8mb4");
    expect(mysql.url).toBe("mysql://u:pw@h/db");
    expect(mysql.readAs).toMatch(/; dropped: charset \(Warden always talks utf8mb4\)$/);
    const sqlite = readDatabaseUrl("sqlite:///./app.db?check_same_thread=false");
    expect(sqlite.url).toBe("file:./app.db");
    expect(sqlite.readAs).toBe(
      "a SQLAlchemy URL (sqlite), read as file:./app.db; dropped: check_same_thread (Python's sqlite3 only)",
    );
    expect(
      readDatabaseUrl("postgresql+asyncpg://u:pw@h/db?prepared_statement_cache_size=0").url,
    ).toBe("postgresql://u:pw@h/db");
  });

  it.each([
    ["oracle+cx_oracle://u:pw@h/db", /must start with "file:".*or be a SQLAlchemy URL/],
    ["mssql+pyodbc://u:pw@h/db", /must start with "file:"/],
    ["redis://h/0", /must start with "file:"/],
    ["./app.db", /must start with "file:"/],
    ["sqlite://x", /SQLite URL with a host/],
    ["postgresql+psycopg://u:pw@h/db?sslmode=prefer", /sslmode=prefer.*"require" or "disable"/],
    ["postgresql+psycopg://u:pw@h/db?sslmode=allow", /sslmode=allow/],
    ["postgresql+psycopg://u:pw@h/db?target_session_attrs=any", /"target_session_attrs".*sslmode/],
    ["mysql+pymysql://u:pw@h/db?ssl_ca=/ca.pem", /"ssl_ca": TLS settings are not read/],
    ["sqlite:///app.db?mode=ro", /"mode".*SQLite driver/],
    ["mysql+pymysql://u:pw@h/db?constructor=1", /"constructor"/],
  ])("refuses %s", (url, message) => {
    expect(() => readDatabaseUrl(url)).toThrow(DatabaseUrlError);
    expect(() => readDatabaseUrl(url)).toThrow(message);
  });

  it("never puts a password in an error, even one with an unencoded @", () => {
    for (const url of [
      "postgresql+psycopg://app:s3cr@tpass:x@db/app",
      "mysql+pymysql://app:s3cr@tpass@db/app",
    ]) {
      let message = "";
      try {
        readDatabaseUrl(url);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/%40/);
      expect(message).not.toMatch(/s3cr|tpass/);
    }
  });
});
