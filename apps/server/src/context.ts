import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import type { Warden } from "@warden/auth-core";
import type { Logger } from "pino";
import type { LoginThrottle } from "./security/login-throttle.js";
import type { SessionRevocations } from "./security/session-revocations.js";

/** What the server is built from; tests build it too, against a real database. */
export interface ServerDeps {
  readonly warden: Warden;
  readonly revocations: SessionRevocations;
  readonly throttle: LoginThrottle;
  readonly logger: Logger;
  readonly version: string;
}

/** The parts of a request the procedures may read. */
export interface RequestInfo {
  readonly ip: string;
  readonly userAgent: string | null;
  readonly authorization: string | undefined;
  readonly requestId: string;
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

export function createContextFactory(deps: ServerDeps) {
  return ({ req }: Pick<CreateFastifyContextOptions, "req">): Context =>
    createInnerContext(deps, {
      ip: req.ip,
      userAgent: req.headers["user-agent"] ?? null,
      authorization: req.headers.authorization,
      requestId: String(req.id),
    });
}
