import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, parseConfig } from "@warden/auth-core";
import type { TestDatabase } from "@warden/auth-core/testing";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { bootstrap, type Running } from "../bootstrap.js";
import { createLogger } from "../logger.js";
import { createServer } from "../server.js";

export const TEST_ISSUER = "http://warden.test";

export interface TestServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly running: Running;
  close(): Promise<void>;
}

/**
 * The real server over `database`, listening on an ephemeral port, or on
 * `env.PORT` when given (with WARDEN_ISSUER set to match, for a test whose
 * client follows absolute URLs the server publishes, like a browser).
 * Mail goes to `env.SMTP_URL` (a `startMailCatcher()`'s); without it, to
 * `.eml` files in a folder of its own (or `env.MAIL_DIR`), removed on close.
 */
export async function startTestServer(
  database: TestDatabase,
  env: Record<string, string> = {},
  /** The logger the server runs with; by default one at TEST_LOG_LEVEL (silent). */
  logger: Logger = createLogger(process.env.TEST_LOG_LEVEL ?? "silent"),
  /** The time Warden reads (a test moves it to the next TOTP step instead of sleeping). */
  clock?: Clock,
): Promise<TestServer> {
  const mailDir =
    env.MAIL_DIR === undefined ? await mkdtemp(join(tmpdir(), "warden-test-mail-")) : undefined;
  const config = parseConfig({
    DATABASE_URL: database.url,
    BCRYPT_COST: "10",
    WARDEN_ISSUER: TEST_ISSUER,
    LOG_LEVEL: "silent",
    ...(mailDir ? { MAIL_DIR: mailDir } : {}),
    ...env,
  });
  const running = await bootstrap(config, logger, clock);
  const app = await createServer(running.deps);
  const address = await app.listen({ host: "127.0.0.1", port: env.PORT ? config.port : 0 });
  return {
    url: address,
    app,
    running,
    async close() {
      await app.close();
      await running.close();
      if (mailDir) await rm(mailDir, { recursive: true, force: true });
    },
  };
}

export interface TrpcResult<T = unknown> {
  status: number;
  headers: Headers;
  data?: T;
  error?: {
    message: string;
    code: number;
    data: {
      code: string;
      httpStatus: number;
      fieldErrors?: Record<string, string[]>;
      retryAfter?: number;
    };
  };
  raw: string;
}

/** One tRPC call over HTTP, the way a non-TypeScript client would make it. */
export async function trpc<T = unknown>(
  server: { url: string },
  path: string,
  options: {
    input?: unknown;
    token?: string;
    query?: boolean;
    headers?: Record<string, string>;
  } = {},
): Promise<TrpcResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let response: Response;
  if (options.query) {
    const search =
      options.input === undefined
        ? ""
        : `?input=${encodeURIComponent(JSON.stringify(options.input))}`;
    response = await fetch(`${server.url}/trpc/${path}${search}`, { headers });
  } else {
    headers["content-type"] = "application/json";
    const body = options.input === undefined ? undefined : JSON.stringify(options.input);
    response = await fetch(`${server.url}/trpc/${path}`, {
      method: "POST",
      headers,
      ...(body ? { body } : {}),
    });
  }
  const raw = await response.text();
  const parsed = JSON.parse(raw) as { result?: { data: T }; error?: TrpcResult["error"] };
  return {
    status: response.status,
    headers: response.headers,
    raw,
    ...(parsed.result ? { data: parsed.result.data } : {}),
    ...(parsed.error ? { error: parsed.error } : {}),
  };
}

/** A POST of form fields, as OAuth clients send them. */
export async function postForm(
  server: { url: string },
  path: string,
  fields: Record<string, string> | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: typeof fields === "string" ? fields : new URLSearchParams(fields).toString(),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

export interface TokenPairBody {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  refreshExpiresIn: number;
  tokenType: string;
}

let counter = 0;

/** Registers a fresh user and logs in. */
export async function registerAndLogin(
  server: { url: string },
  overrides: { username?: string; password?: string } = {},
): Promise<{ user: { id: string; username: string }; tokens: TokenPairBody; password: string }> {
  counter += 1;
  const username = overrides.username ?? `user${counter}_${Math.random().toString(36).slice(2, 8)}`;
  const password = overrides.password ?? "tangerine-orbit-47";
  const registered = await trpc<{ id: string; username: string }>(server, "auth.register", {
    input: { username, email: `${username}@example.com`, name: `Name ${username}`, password },
  });
  if (!registered.data) throw new Error(`register failed: ${registered.raw}`);
  const login = await trpc<TokenPairBody>(server, "auth.login", { input: { username, password } });
  if (!login.data) throw new Error(`login failed: ${login.raw}`);
  return { user: registered.data, tokens: login.data, password };
}

/**
 * Registers a fresh user, makes them an admin (as `warden-server promote`
 * would, without ending sessions), and logs in again for a token with the
 * admin role. `headers` go with the login (an X-Forwarded-For, say).
 */
export async function registerAdmin(
  server: TestServer,
  headers: Record<string, string> = {},
): Promise<{ user: { id: string; username: string }; password: string; accessToken: string }> {
  const { user, password } = await registerAndLogin(server);
  await server.running.deps.warden.users.setRole(user.id, "admin");
  const login = await trpc<TokenPairBody>(server, "auth.login", {
    input: { username: user.username, password },
    headers,
  });
  if (!login.data) throw new Error(`admin login failed: ${login.raw}`);
  return { user, password, accessToken: login.data.accessToken };
}

let clientCounter = 0;

/**
 * An `X-Forwarded-For` header naming a client no other call of this test
 * file named (for a server with TRUST_PROXY), so one test's per-IP counts
 * never reach another's.
 */
export function distinctClient(): Record<string, string> {
  clientCounter += 1;
  return {
    "x-forwarded-for": `198.51.${100 + Math.floor(clientCounter / 250)}.${clientCounter % 250}`,
  };
}
