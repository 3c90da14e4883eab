import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import type { FastifyInstance } from "fastify";
import { createContextFactory, type ServerDeps } from "../context.js";
import { authErrorOf } from "../errors/to-trpc-error.js";
import { type AppRouter, appRouter } from "../router.js";
import { NO_TOKEN } from "../security/authenticate-request.js";

/** Mounts the router at /trpc, with the headers RFC 6750 and RFC 6585 ask of 401 and 429 answers. */
export async function registerTrpc(
  app: FastifyInstance,
  deps: ServerDeps,
  options: { maxBodySize: number },
): Promise<void> {
  const trpcOptions: FastifyTRPCPluginOptions<AppRouter>["trpcOptions"] = {
    router: appRouter,
    createContext: createContextFactory(deps),
    maxBodySize: options.maxBodySize,
    onError({ error, path, req }) {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        req.log.error({ err: error.cause ?? error, path }, "procedure failed");
      }
    },
    responseMeta({ errors }) {
      const headers: Record<string, string> = {};
      for (const error of errors) {
        const authError = authErrorOf(error);
        if (error.code === "UNAUTHORIZED") {
          // A refused token gets error="invalid_token"; a request without one, a bare challenge.
          const refusedToken = authError?.code === "INVALID_TOKEN" && authError.cause !== NO_TOKEN;
          headers["www-authenticate"] = refusedToken ? 'Bearer error="invalid_token"' : "Bearer";
        }
        if (error.code === "TOO_MANY_REQUESTS" && authError?.retryAfterSeconds !== undefined) {
          headers["retry-after"] = String(authError.retryAfterSeconds);
        }
      }
      return { headers };
    },
  };
  await app.register(fastifyTRPCPlugin, { prefix: "/trpc", trpcOptions });
}
