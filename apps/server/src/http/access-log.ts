import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";

/**
 * One access-log line per request: method, path, status, duration and
 * request id. The path is logged without its query string, which may carry
 * input (a tRPC query's `?input=`, a one-time token in a link).
 */
export function logAccess(
  logger: Logger,
  reqId: string,
  method: string | undefined,
  url: string,
  status: number,
  elapsedMs: number,
): void {
  if (!logger.isLevelEnabled("info")) return;
  const query = url.indexOf("?");
  logger.info(
    {
      reqId,
      method,
      path: query === -1 ? url : url.slice(0, query),
      status,
      ms: Math.round(elapsedMs * 10) / 10,
    },
    "request",
  );
}

/** The access-log line of a request Fastify answered. */
export function logRequest(logger: Logger, request: FastifyRequest, reply: FastifyReply): void {
  logAccess(
    logger,
    String(request.id),
    request.method,
    request.url,
    reply.statusCode,
    reply.elapsedTime,
  );
}
