import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { type Context, createContextFactory, type ServerDeps } from "../context.js";
import { databaseUnavailableOf } from "../errors/database-unavailable.js";
import { NO_STORE_HEADERS } from "../http/api-headers.js";
import { appRouter } from "../router.js";
import type { ProcedureMeta } from "../trpc.js";
import { PROBLEM_JSON, type Problem, problemFromError, problemOf } from "./problem-details.js";
import { coerceParameters } from "./request-input.js";

/** Every REST route lives under this prefix; the tRPC routes stay at /trpc. */
export const REST_PREFIX = "/api";

/** A procedure as tRPC keeps it: callable with the options its server-side caller passes. */
interface CallableProcedure {
  (options: {
    path: string;
    getRawInput: () => Promise<unknown>;
    ctx: Context;
    type: "query" | "mutation";
    signal: undefined;
    batchIndex: number;
  }): Promise<unknown>;
  readonly _def: {
    readonly type: "query" | "mutation" | "subscription";
    readonly meta?: ProcedureMeta;
    readonly inputs: readonly z.ZodType[];
  };
}

/** One REST route: a procedure, the method and path its `openapi` meta gives it. */
export interface RestRoute {
  readonly procedurePath: string;
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** As OpenAPI writes it: `/api/posts/{id}`. */
  readonly path: string;
  readonly procedure: CallableProcedure;
}

/** The REST routes, read from the procedures' `openapi` meta (a procedure without one has none). */
export function restRoutes(): RestRoute[] {
  // At run time tRPC keeps every procedure in one flat map by dotted path.
  const procedures = appRouter._def.procedures as unknown as Record<string, CallableProcedure>;
  const routes: RestRoute[] = [];
  for (const [procedurePath, procedure] of Object.entries(procedures)) {
    const openapi = procedure._def.meta?.openapi;
    if (!openapi || openapi.enabled === false) continue;
    if (!openapi.path.startsWith(`${REST_PREFIX}/`))
      throw new Error(`${procedurePath}: a REST path must start with ${REST_PREFIX}/`);
    routes.push({ procedurePath, method: openapi.method, path: openapi.path, procedure });
  }
  return routes;
}

const JSON_TYPE = "application/json; charset=utf-8";

function sendProblem(
  reply: FastifyReply,
  problem: Problem,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply
    .status(problem.status)
    .headers(headers)
    .header("content-type", PROBLEM_JSON)
    .send(JSON.stringify(problem));
}

/** `{id}` in an OpenAPI path is `:id` to Fastify's router. */
function fastifyPath(path: string): string {
  return path.slice(REST_PREFIX.length).replace(/\{(\w+)\}/g, ":$1");
}

/**
 * The procedure's input: the JSON body (POST, PUT, PATCH) or the query
 * string (GET, DELETE), with the path's parameters over either. Null when a
 * body was sent that is not a JSON object.
 */
function inputOf(request: FastifyRequest, route: RestRoute): Record<string, unknown> | null {
  const params = request.params as Record<string, string>;
  const fromBody = route.method === "POST" || route.method === "PUT" || route.method === "PATCH";
  const source = fromBody ? request.body : request.query;
  if (
    source !== undefined &&
    (typeof source !== "object" || source === null || Array.isArray(source))
  )
    return null;
  const inputSchema = route.procedure._def.inputs[0];
  const fields = { ...(source as Record<string, unknown> | undefined), ...params };
  return fromBody ? fields : coerceParameters(inputSchema, fields);
}

/**
 * Mounts a REST route for every procedure that declares one, under /api.
 * Each calls the procedure as tRPC's own caller does (the same middleware:
 * authentication, input and output validation, the unstorable-text rule),
 * so a REST call and a tRPC call cannot behave differently; only the
 * envelope differs: the output as bare JSON, and errors as RFC 9457
 * problems (problem-details.ts).
 */
export async function registerRestRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  const createContext = createContextFactory(deps);
  const routes = restRoutes();

  await app.register(
    async (scope) => {
      // Bodies are JSON only: without Fastify's text/plain parser, any other
      // media type is a 415 rather than a string no procedure expects.
      scope.removeContentTypeParser("text/plain");
      // An empty body sent as JSON (many HTTP clients set the header on every
      // POST and DELETE) is no input, as an absent body is; anything else goes
      // to Fastify's own parser, which refuses __proto__ and constructor keys.
      const parseJson = scope.getDefaultJsonParser("error", "error");
      scope.removeContentTypeParser("application/json");
      scope.addContentTypeParser(
        "application/json",
        { parseAs: "string" },
        (request, body, done) => {
          if (body === "") done(null, undefined);
          else parseJson(request, body as string, done);
        },
      );
      // What Fastify itself refuses before a procedure runs: a body that is not
      // JSON, too large, or of another media type.
      scope.setErrorHandler((error: FastifyError, request, reply) => {
        if (databaseUnavailableOf(error)) {
          const { problem, headers } = problemFromError(error, "");
          return sendProblem(reply, problem, headers);
        }
        const status = error.statusCode ?? 500;
        if (status >= 400 && status < 500) {
          const code =
            status === 413
              ? "PAYLOAD_TOO_LARGE"
              : status === 415
                ? "UNSUPPORTED_MEDIA_TYPE"
                : "BAD_REQUEST";
          return sendProblem(reply, problemOf(status, code, error.message));
        }
        request.log.error({ err: error }, "request failed");
        return sendProblem(reply, problemOf(500, "INTERNAL_SERVER_ERROR", "internal server error"));
      });
      scope.setNotFoundHandler((request, reply) =>
        sendProblem(
          reply,
          problemOf(404, "NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`),
        ),
      );

      for (const route of routes) {
        const { procedure, procedurePath } = route;
        const meta = procedure._def.meta;
        const type = procedure._def.type === "query" ? "query" : "mutation";
        const successStatus = meta?.createsResource ? 201 : 200;
        scope.route({
          method: route.method,
          url: fastifyPath(route.path),
          handler: async (request, reply) => {
            const input = inputOf(request, route);
            if (input === null)
              return sendProblem(
                reply,
                problemOf(400, "BAD_REQUEST", "the request body must be a JSON object"),
              );
            try {
              const data = await procedure({
                path: procedurePath,
                getRawInput: async () => input,
                ctx: createContext({ req: request }),
                type,
                signal: undefined,
                batchIndex: 0,
              });
              if (meta?.sendsCredentials) reply.headers(NO_STORE_HEADERS);
              return reply
                .status(successStatus)
                .header("content-type", JSON_TYPE)
                .send(JSON.stringify(data));
            } catch (cause) {
              const { problem, headers } = problemFromError(cause, procedurePath);
              if (problem.status === 500)
                request.log.error({ err: cause, path: procedurePath }, "procedure failed");
              if (meta?.sendsCredentials) reply.headers(NO_STORE_HEADERS);
              return sendProblem(reply, problem, headers);
            }
          },
        });
      }
    },
    { prefix: REST_PREFIX },
  );
}
