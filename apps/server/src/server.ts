import cors from "@fastify/cors";
import formbody from "@fastify/formbody";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
} from "fastify";
import { registerAccountPages } from "./account-pages/index.js";
import type { ServerDeps } from "./context.js";
import {
  DATABASE_UNAVAILABLE_MESSAGE,
  databaseUnavailableOf,
} from "./errors/database-unavailable.js";
import { INTERNAL_ERROR_BODY } from "./errors/error-shape.js";
import { logRequest } from "./http/access-log.js";
import { API_HEADERS } from "./http/api-headers.js";
import { frontDoor, requestIdSequence } from "./http/front-door.js";
import { registerHealthRoutes } from "./http/health-routes.js";
import { registerTrpc } from "./http/trpc-routes.js";
import { withOrigin } from "./http/vary.js";
import { createAccessLogger, lazyChildLoggerFactory } from "./logger.js";
import { registerDiscovery } from "./oauth/discovery.js";
import { registerIntrospectionEndpoint } from "./oauth/introspection-endpoint.js";
import { registerRevocationEndpoint } from "./oauth/revocation-endpoint.js";
import { registerTokenEndpoint } from "./oauth/token-endpoint.js";
import { registerApiReference } from "./rest/api-reference.js";
import { registerRestRoutes } from "./rest/rest-routes.js";

export interface ServerOptions {
  /** Browser origins CORS lets in; by default the config's CORS_ORIGINS (none unless set). */
  readonly corsOrigins?: readonly string[];
  /** The largest request body, in bytes. */
  readonly bodyLimit?: number;
}

/**
 * Builds the HTTP app: tRPC at /trpc, the same procedures as REST at /api,
 * /openapi.json and /docs, the OAuth endpoints, discovery and health. It does not listen.
 */
export async function createServer(
  deps: ServerDeps,
  options: ServerOptions = {},
): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? 64 * 1024;
  const accessLogger = createAccessLogger(deps.logger);
  const nextRequestId = requestIdSequence();
  const trustProxy = trustProxySetting(deps.warden.config.trustProxy);
  const corsOrigins = options.corsOrigins ?? deps.warden.config.corsOrigins;
  // With CORS on, an answer depends on the caller's Origin, and its Vary must say so.
  const varyOrigin = corsOrigins.length > 0;
  // Once close() starts, answers to requests still in flight say "Connection: close",
  // so keep-alive sockets end with them and close() does not wait on idle clients.
  let closing = false;
  const app = Fastify({
    // Single tRPC GET queries are answered before Fastify (front-door.ts).
    serverFactory: frontDoor({
      deps,
      accessLogger,
      nextRequestId,
      trustProxy,
      closing: () => closing,
      varyOrigin,
    }),
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Fastify's own two lines per request halve the host's throughput: the
    // onResponse hook below writes one line instead.
    logController: new LogController({ disableRequestLogging: true }),
    // request.log is made when first used, not for every request (logger.ts).
    childLoggerFactory:
      lazyChildLoggerFactory as unknown as FastifyServerOptions["childLoggerFactory"],
    bodyLimit,
    requestIdHeader: "x-request-id",
    genReqId: nextRequestId,
    // A batch's procedure names travel in the path: ten of them must fit (Fastify's default is 100).
    routerOptions: { maxParamLength: 1024 },
    // Lets close() end idle keep-alive sockets at once while in-flight requests finish.
    forceCloseConnections: "idle",
    return503OnClosing: true,
    // Off unless TRUST_PROXY says which proxies may set X-Forwarded-For: a
    // client that could set it itself would choose the IP it is throttled as.
    trustProxy,
  });

  app.addHook("preClose", async () => {
    closing = true;
  });
  // The API's few protective headers, from one frozen object (see api-headers.ts),
  // and the closing notice, set as the answer leaves (requests begun before close() too).
  // With CORS on, an answer depends on the caller's Origin: Vary says so, whatever
  // the route (or tRPC) set Vary to after @fastify/cors did.
  app.addHook("onSend", (_request, reply, payload, done) => {
    reply.headers(API_HEADERS);
    if (varyOrigin) reply.header("vary", withOrigin(reply.getHeader("vary")));
    if (closing) reply.header("connection", "close");
    done(null, payload);
  });
  // The access log: one line per request, written when the answer is sent.
  app.addHook("onResponse", (request, reply, done) => {
    logRequest(accessLogger, request, reply);
    done();
  });

  // Browsers may call the API only from the origins CORS_ORIGINS names; with none, no CORS at all.
  if (corsOrigins.length > 0) await app.register(cors, { origin: [...corsOrigins] });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    // The database is unreachable (the OAuth endpoints land here): RFC 6749's
    // temporarily_unavailable, as a 503 with Retry-After. The outage itself is
    // logged once, when it starts (health-routes.ts), not once per request.
    const unavailable = databaseUnavailableOf(error);
    if (unavailable) {
      request.log.debug({ err: error }, "database unavailable: answered 503");
      return reply
        .status(503)
        .header("retry-after", String(unavailable.retryAfterSeconds))
        .header("cache-control", "no-store")
        .header("pragma", "no-cache")
        .send({
          error: "temporarily_unavailable",
          error_description: DATABASE_UNAVAILABLE_MESSAGE,
        });
    }
    // Client mistakes the framework catches (bad JSON, too large, wrong type) keep their 4xx status.
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply
        .status(error.statusCode)
        .send({ error: "invalid_request", error_description: error.message });
    }
    request.log.error({ err: error }, "request failed");
    return reply.status(500).send(INTERNAL_ERROR_BODY);
  });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send({ error: "not_found" }));

  await registerTrpc(app, deps, { maxBodySize: bodyLimit, varyOrigin });
  await registerRestRoutes(app, deps);
  await registerApiReference(app, deps);
  await registerAccountPages(app, deps);
  await app.register(async (oauth) => {
    await oauth.register(formbody, { bodyLimit });
    registerTokenEndpoint(oauth, deps);
    registerRevocationEndpoint(oauth, deps);
    registerIntrospectionEndpoint(oauth, deps);
  });
  registerDiscovery(app, deps);
  registerHealthRoutes(app, deps);
  return app;
}

/** Fastify's trustProxy: false, a list of proxy addresses and ranges, or a hop count. */
function trustProxySetting(
  value: false | number | readonly string[],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value === "number") return (_address, hop) => hop < value;
  return typeof value === "object" ? [...value] : value;
}
