import { TRPCError } from "@trpc/server";
import {
  type FastifyTRPCPluginOptions,
  fastifyRequestHandler,
} from "@trpc/server/adapters/fastify";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createContextFactory, type ServerDeps } from "../context.js";
import { errorHeaders } from "../errors/error-headers.js";
import { formatError } from "../errors/error-shape.js";
import { type AppRouter, appRouter } from "../router.js";
import type { ProcedureMeta } from "../trpc.js";
import { NO_STORE_HEADERS } from "./api-headers.js";
import { tryFastQuery } from "./query-fast-path.js";
import { TRPC_VARY, withOrigin } from "./vary.js";

/**
 * The most calls one batch may hold: each may cost a bcrypt hash, and a
 * batch is one request to every per-request limit. The typed client's
 * httpBatchLink is set to the same (`maxItems`).
 */
export const MAX_BATCH_CALLS = 10;

/** Answers 400, saying the limit, for a batch of more than MAX_BATCH_CALLS calls. */
function tooLargeBatch(request: FastifyRequest, reply: FastifyReply, path: string): boolean {
  if ((request.query as { batch?: unknown }).batch !== "1") return false;
  const calls = path.split(",").length;
  if (calls <= MAX_BATCH_CALLS) return false;
  const message = `a batch holds at most ${MAX_BATCH_CALLS} calls; this one has ${calls}`;
  const error = new TRPCError({ code: "BAD_REQUEST", message });
  const shape = formatError(
    {
      message,
      code: TRPC_ERROR_CODES_BY_KEY.BAD_REQUEST,
      data: { code: "BAD_REQUEST", httpStatus: 400 },
    },
    error,
  );
  void reply
    .status(400)
    .header("content-type", "application/json")
    .send(JSON.stringify({ error: shape }));
  return true;
}

/** tRPC's own Vary, and Origin, for when CORS is on. */
const TRPC_VARY_WITH_ORIGIN = withOrigin(TRPC_VARY);

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
 * Mounts the router at /trpc. Single GET queries and single JSON POST
 * mutations take the fast path (query-fast-path.ts); every
 * other request goes through tRPC's Fastify adapter, set up as its own
 * plugin would (bodies handed to tRPC unparsed).
 */
export async function registerTrpc(
  app: FastifyInstance,
  deps: ServerDeps,
  options: { maxBodySize: number; varyOrigin: boolean },
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
        // tRPC's adapter sets its headers after Fastify's onSend hooks: Vary names Origin here.
        ...(options.varyOrigin ? { vary: TRPC_VARY_WITH_ORIGIN } : {}),
        ...errorHeaders(errors),
        ...(info?.calls.some((call) => sendsCredentials(call.path)) ? NO_STORE_HEADERS : {}),
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
        if (tooLargeBatch(request, reply, path)) return reply;
        if (
          await tryFastQuery(
            request,
            reply,
            path,
            () => createContext({ req: request }),
            options.maxBodySize,
          )
        )
          return reply;
        await fastifyRequestHandler({ ...trpcOptions, req: request, res: reply, path });
        return reply;
      },
    );
  });
}
