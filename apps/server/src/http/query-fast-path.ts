import { getTRPCErrorFromUnknown, type TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Context } from "../context.js";
import { errorHeaders } from "../errors/error-headers.js";
import { formatError } from "../errors/error-shape.js";
import { appRouter } from "../router.js";
import type { ProcedureMeta } from "../trpc.js";
import { NO_STORE_HEADERS } from "./api-headers.js";
import { directQueries } from "./direct-query.js";

// Built once: every query procedure that has a direct form (direct-query.ts).
const queries = directQueries(appRouter);
const credentialQueries = new Set(
  Object.entries(
    appRouter._def.procedures as unknown as Record<string, { _def: { meta?: ProcedureMeta } }>,
  )
    .filter(([, procedure]) => procedure._def.meta?.sendsCredentials === true)
    .map(([path]) => path),
);

const JSON_HEADERS = Object.freeze({ "content-type": "application/json", vary: "trpc-accept" });
const JSON_NO_STORE_HEADERS = Object.freeze({ ...JSON_HEADERS, ...NO_STORE_HEADERS });

/**
 * Answers a single, unbatched `GET /trpc/<query>?input=…` through the
 * query's direct form (direct-query.ts): the procedure's own
 * authentication, unstorable-text rule, input and output schemas and error
 * mapping, formatted as tRPC formats them, without the adapter's conversion
 * of every request and response to the Fetch API nor tRPC's per-layer
 * copies of the call's options.
 *
 * Returns false, having sent nothing, for anything else (batches, mutations,
 * unknown paths, queries without a direct form, unparsable input): tRPC's
 * adapter answers those.
 */
export async function tryFastQuery(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  createContext: () => Context,
): Promise<boolean> {
  const query = queries.get(path);
  if (request.method !== "GET" || query === undefined) return false;
  const search = request.query as Record<string, unknown>;
  if ("batch" in search) return false;
  let input: unknown;
  if (search.input !== undefined) {
    if (typeof search.input !== "string") return false;
    try {
      input = JSON.parse(search.input);
    } catch {
      return false;
    }
  }

  try {
    const data = await query(createContext(), input, path);
    reply.headers(credentialQueries.has(path) ? JSON_NO_STORE_HEADERS : JSON_HEADERS);
    await reply.send(JSON.stringify({ result: { data } }));
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    if (error.code === "INTERNAL_SERVER_ERROR")
      request.log.error({ err: error.cause ?? error, path }, "procedure failed");
    const status = getHTTPStatusCodeFromError(error);
    const shape = formatError(
      {
        message: error.message,
        code: TRPC_ERROR_CODES_BY_KEY[error.code],
        data: { code: error.code, httpStatus: status, path },
      },
      error as TRPCError,
    );
    reply
      .status(status)
      .headers(errorHeaders([error]))
      .headers(credentialQueries.has(path) ? JSON_NO_STORE_HEADERS : JSON_HEADERS);
    await reply.send(JSON.stringify({ error: shape }));
  }
  return true;
}
