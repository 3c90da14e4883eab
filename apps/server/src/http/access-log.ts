import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";

/**
 * One access-log line per request: method, path, status, duration and
 * request id. The path is logged without its query string, which may carry
 * input (a tRPC query's `?input=`, a one-time token in a link).
 */
export function logRequest(logger: Logger, request: FastifyRequest, reply: FastifyReply): void {
  if (!logger.isLevelEnabled("info")) return;
  const query = request.url.indexOf("?");
  logger.info(
    {
      reqId: request.id,
      method: request.method,
      path: query === -1 ? request.url : request.url.slice(0, query),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    },
    "request",
  );
}
