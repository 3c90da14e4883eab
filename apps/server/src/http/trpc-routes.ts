import {
  type FastifyTRPCPluginOptions,
  fastifyRequestHandler,
} from "@trpc/server/adapters/fastify";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { createContextFactory, type ServerDeps } from "../context.js";
import { errorHeaders } from "../errors/error-headers.js";
import { type AppRouter, appRouter } from "../router.js";
import type { ProcedureMeta } from "../trpc.js";
import { tryFastQuery } from "./query-fast-path.js";

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" } as const;

/** Whether the procedure at `path` declared that its answer carries a token or a secret. */
function sendsCredentials(path: string): boolean {
  // At run time tRPC keeps every procedure in one flat map by dotted path.
  const procedures = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { meta?: ProcedureMeta } } | undefined
  >;
  return procedures[path]?._def.meta?.sendsCredentials === true;
}

/**
 * Mounts the router at /trpc. Single GET queries take the fast path; every
 * other request goes through tRPC's Fastify adapter, set up as its own
 * plugin would (bodies handed to tRPC unparsed).
 */
export async function registerTrpc(
  app: FastifyInstance,
  deps: ServerDeps,
  options: { maxBodySize: number },
): Promise<void> {
  const createContext = createContextFactory(deps);
  const trpcOptions: FastifyTRPCPluginOptions<AppRouter>["trpcOptions"] = {
    router: appRouter,
    createContext,
    maxBodySize: options.maxBodySize,
    onError({ error, path, req }) {
      if (error.code === "INTERNAL_SERVER_ERROR")
        req.log.error({ err: error.cause ?? error, path }, "procedure failed");
    },
    responseMeta: ({ info, errors }) => ({
      headers: {
        ...errorHeaders(errors),
        ...(info?.calls.some((call) => sendsCredentials(call.path)) ? NO_STORE : {}),
      },
    }),
  };

  await app.register(async (scope) => {
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) =>
      done(null, body),
    );
    scope.removeContentTypeParser("multipart/form-data");
    scope.addContentTypeParser("multipart/form-data", {}, (_request, body, done) =>
      done(null, body),
    );

    scope.all(
      "/trpc/:path",
      async (request: FastifyRequest<{ Params: { path: string } }>, reply) => {
        const { path } = request.params;
        if (await tryFastQuery(request, reply, path, () => createContext({ req: request })))
          return reply;
        await fastifyRequestHandler({ ...trpcOptions, req: request, res: reply, path });
        return reply;
      },
    );
  });
}
