import {
  createServer,
  type IncomingMessage,
  type ServerOptions,
  type ServerResponse,
} from "node:http";
import proxyAddr from "@fastify/proxy-addr";
import { parse as parseQueryString } from "fast-querystring";
import type { FastifyServerFactory } from "fastify";
import type { Logger } from "pino";
import type { Context, ServerDeps } from "../context.js";
import { INTERNAL_ERROR_BODY } from "../errors/error-shape.js";
import { logAccess } from "./access-log.js";
import { API_HEADERS } from "./api-headers.js";
import type { DirectQuery } from "./direct-query.js";
import { acceptsJsonl, directAnswer, NOT_OURS, queries, queryInput } from "./query-fast-path.js";
import { withOrigin } from "./vary.js";

/** What the front door shares with the Fastify app behind it. */
export interface FrontDoorOptions {
  readonly deps: ServerDeps;
  /** The access log's logger (logger.ts createAccessLogger). */
  readonly accessLogger: Logger;
  /** The request id of a request that did not bring one in `x-request-id`: Fastify's own sequence. */
  readonly nextRequestId: () => string;
  /** Fastify's trustProxy setting, as server.ts gives it. */
  readonly trustProxy: boolean | string[] | ((address: string, hop: number) => boolean);
  /** True once the app's close() began: Fastify answers from then on (503, `Connection: close`). */
  readonly closing: () => boolean;
  /** CORS is on: answers name Origin in Vary, as server.ts's onSend hook makes Fastify's do. */
  readonly varyOrigin?: boolean;
}

/** The settings Fastify gives its own HTTP server, which a serverFactory must apply itself. */
interface ServerSettings {
  readonly http?: ServerOptions;
  readonly keepAliveTimeout?: number;
  readonly requestTimeout?: number;
  readonly connectionTimeout?: number;
  readonly maxRequestsPerSocket?: number;
}

/**
 * Warden's HTTP server (Fastify's `serverFactory`): a node:http server whose
 * request listener answers single tRPC GET queries itself, with the
 * procedure's direct form (query-fast-path.ts), and hands every other
 * request to Fastify.
 *
 * Why: Fastify's routing, request and reply objects and hooks cost a small
 * read more than the read itself. Measured with apps/bench's
 * cpu-per-request under wrk: system.hello 46 µs of main-thread CPU per
 * request through Fastify's route, 32 µs here; users.me 47 against 34.
 *
 * The answer is the one Fastify's route gives (the same directAnswer, the
 * API headers of server.ts's onSend hook, the same request id and access-log
 * line), and a test sends each request both ways and compares. Fastify takes
 * everything else, and these too: a request with a body, a browser's
 * cross-origin call (an `Origin` header: CORS is Fastify's), any query
 * parameter but `input`, a path with escapes, and every request once the
 * server is closing.
 */
export function frontDoor(options: FrontDoorOptions): FastifyServerFactory {
  const clientIp = clientIpOf(options.trustProxy);
  return (fastify, fastifySettings) => {
    const settings = fastifySettings as ServerSettings;
    const server = createServer(settings.http ?? {}, (request, response) => {
      const query = options.closing() ? undefined : ownQueryOrNone(request);
      if (query === undefined) fastify(request, response);
      else
        answer(request, response, query, options, clientIp).catch((err: unknown) =>
          failed(response, err, query.path, options.deps.logger),
        );
    });
    // What Fastify sets on the server it makes (fastify/lib/server.js).
    if (settings.keepAliveTimeout !== undefined)
      server.keepAliveTimeout = settings.keepAliveTimeout;
    if (settings.requestTimeout !== undefined) server.requestTimeout = settings.requestTimeout;
    server.setTimeout(settings.connectionTimeout ?? 0);
    if (settings.maxRequestsPerSocket) server.maxRequestsPerSocket = settings.maxRequestsPerSocket;
    return server;
  };
}

/**
 * Only a bug gets here (directAnswer answers every failure of the call
 * itself): the same 500 body as server.ts's error handler, or, when the
 * answer had already left, nothing more.
 */
function failed(response: ServerResponse, err: unknown, path: string, logger: Logger): void {
  try {
    logger.error({ err, path }, "front door failed");
  } catch {
    // A logger that throws must not turn one failed request into an unhandled rejection.
  }
  if (response.writableEnded) return;
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify(INTERNAL_ERROR_BODY);
  response.writeHead(500, { ...API_HEADERS, "content-type": "application/json; charset=utf-8" });
  response.end(body);
}

/** A query this door answers: its path, its direct form and its input. */
interface OwnQuery {
  readonly call: DirectQuery;
  readonly path: string;
  readonly url: string;
  readonly input: unknown;
}

const PREFIX = "/trpc/";

/** server.ts's API headers as writeHead's flat name, value list, made once. */
const API_HEAD: readonly string[] = Object.entries(API_HEADERS).flat();

/** ownQuery, and Fastify's request should reading it ever throw: a listener's throw would end the process. */
function ownQueryOrNone(request: IncomingMessage): OwnQuery | undefined {
  try {
    return ownQuery(request);
  } catch {
    return undefined;
  }
}

/** The query `request` calls, when it is one this door answers; otherwise undefined (Fastify's). */
function ownQuery(request: IncomingMessage): OwnQuery | undefined {
  const url = request.url;
  if (request.method !== "GET" || url === undefined || !url.startsWith(PREFIX)) return undefined;
  const headers = request.headers;
  if (headers.origin !== undefined || headers["transfer-encoding"] !== undefined) return undefined;
  if (headers["content-length"] !== undefined && headers["content-length"] !== "0")
    return undefined;
  const queryStart = url.indexOf("?");
  const path = url.slice(PREFIX.length, queryStart === -1 ? undefined : queryStart);
  const call = queries.get(path);
  if (call === undefined) return undefined;
  let input: unknown;
  if (queryStart !== -1) {
    const search = parseQueryString(url.slice(queryStart + 1)) as Record<string, unknown>;
    for (const name in search) if (name !== "input") return undefined;
    const read = queryInput(search);
    if (read === NOT_OURS) return undefined;
    input = read.input;
  }
  if (acceptsJsonl(headers)) return undefined;
  return { call, path, url, input };
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  { call, path, url, input }: OwnQuery,
  options: FrontDoorOptions,
  clientIp: (request: IncomingMessage) => string,
): Promise<void> {
  const started = performance.now();
  const requestId = requestIdOf(request, options.nextRequestId);
  const ctx: Context = {
    deps: options.deps,
    request: {
      ip: clientIp(request),
      userAgent: request.headers["user-agent"] ?? null,
      authorization: request.headers.authorization,
      requestId,
    },
  };
  const { status, headers, body } = await directAnswer(call, ctx, input, path, (err) =>
    options.deps.logger.error({ reqId: requestId, err, path }, "procedure failed"),
  );
  const head: string[] = ["content-length", String(Buffer.byteLength(body))];
  for (const name in headers) {
    const value = headers[name] as string;
    head.push(name, name === "vary" && options.varyOrigin ? withOrigin(value) : value);
  }
  head.push(...API_HEAD);
  // As server.ts's onSend hook: once close() began, the connection ends with this answer.
  if (options.closing()) head.push("connection", "close");
  response.writeHead(status, head);
  response.end(body);
  try {
    logAccess(options.accessLogger, requestId, "GET", url, status, performance.now() - started);
  } catch {
    // The answer has left; a failing log line must not be mistaken for a failed answer.
  }
}

/**
 * Fastify's default request ids (`req-1`, `req-2`, … in base 36, wrapping at
 * 2^31), as one sequence the app and the front door share.
 */
export function requestIdSequence(): () => string {
  let last = 0;
  return () => {
    last = (last + 1) & 0x7fffffff;
    return `req-${last.toString(36)}`;
  };
}

/** Fastify's request id: the client's `x-request-id` when it sent one, else the next of the sequence. */
function requestIdOf(request: IncomingMessage, nextRequestId: () => string): string {
  const sent = request.headers["x-request-id"];
  return typeof sent === "string" && sent !== "" ? sent : nextRequestId();
}

/** The client's IP as Fastify's `request.ip` reads it under `trustProxy`. */
export function clientIpOf(
  trustProxy: FrontDoorOptions["trustProxy"],
): (request: IncomingMessage) => string {
  if (trustProxy === false) return (request) => request.socket.remoteAddress ?? "";
  const trust =
    typeof trustProxy === "function"
      ? trustProxy
      : trustProxy === true
        ? () => true
        : proxyAddr.compile(trustProxy);
  return (request) => proxyAddr(request, trust);
}
