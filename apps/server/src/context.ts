import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import type { RequestFacts, UseCases, Warden } from "@warden/auth-core";
import type { Logger } from "pino";
import type { LiveSessions } from "./cache/live-sessions.js";
import type { PostPages } from "./cache/post-pages.js";
import type { UserRows } from "./cache/user-rows.js";
import type { ServerMailer } from "./mail/mailer.js";

/** What the server is built from; tests build it too, against a real database. */
export interface ServerDeps {
  readonly warden: Warden;
  /** What users, admins and services do; every transport calls these. */
  readonly useCases: UseCases;
  readonly liveSessions: LiveSessions;
  /** Users for reads like `users.me`, without a query each; logins always read the database. */
  readonly userRows: UserRows;
  readonly postPages: PostPages;
  /** The use cases' mailer; tests wait on `idle()` for the mails sent in the background. */
  readonly mailer: ServerMailer;
  readonly logger: Logger;
  readonly version: string;
}

/** The parts of a request the procedures may read: the facts use cases record, and the token. */
export interface RequestInfo extends RequestFacts {
  readonly ip: string;
  readonly userAgent: string | null;
  readonly requestId: string;
  readonly authorization: string | undefined;
}

export interface Context {
  readonly deps: ServerDeps;
  readonly request: RequestInfo;
}

/** The context without HTTP: what `createCaller` tests use. */
export function createInnerContext(deps: ServerDeps, request: Partial<RequestInfo> = {}): Context {
  return {
    deps,
    request: {
      ip: request.ip ?? "127.0.0.1",
      userAgent: request.userAgent ?? null,
      authorization: request.authorization,
      requestId: request.requestId ?? "test",
    },
  };
}

/** What every transport reads of an HTTP request: the same facts for tRPC and OAuth. */
export function requestInfoOf(req: CreateFastifyContextOptions["req"]): RequestInfo {
  return {
    ip: req.ip,
    userAgent: req.headers["user-agent"] ?? null,
    authorization: req.headers.authorization,
    requestId: String(req.id),
  };
}

export function createContextFactory(deps: ServerDeps) {
  return ({ req }: Pick<CreateFastifyContextOptions, "req">): Context => ({
    deps,
    request: requestInfoOf(req),
  });
}
