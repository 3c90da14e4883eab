import { getTRPCErrorFromUnknown, type TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Context } from "../context.js";
import { errorHeaders } from "../errors/error-headers.js";
import { formatError } from "../errors/error-shape.js";
import { appRouter } from "../router.js";
import { createCallerFactory } from "../trpc.js";

const createCaller = createCallerFactory(appRouter);
// At run time tRPC keeps every procedure in one flat map by dotted path.
const procedures = appRouter._def.procedures as unknown as Record<
  string,
  { _def: { type: string } } | undefined
>;

type CallerNode = ((input: unknown) => Promise<unknown>) & { [segment: string]: CallerNode };

/**
 * Answers a single, unbatched `GET /trpc/<query>?input=…` by calling the
 * procedure through tRPC's own server-side caller: the same middlewares,
 * input and output validation, and error formatting, without the adapter's
 * conversion of every request and response to the Fetch API (a third of the
 * CPU time per request in the profile, see the README's performance notes).
 *
 * Returns false, having sent nothing, for anything else (batches, mutations,
 * unknown paths, unparsable input): tRPC's adapter answers those.
 */
export async function tryFastQuery(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  createContext: () => Context,
): Promise<boolean> {
  if (request.method !== "GET" || procedures[path]?._def.type !== "query") return false;
  const query = request.query as Record<string, unknown>;
  if ("batch" in query) return false;
  let input: unknown;
  if (query.input !== undefined) {
    if (typeof query.input !== "string") return false;
    try {
      input = JSON.parse(query.input);
    } catch {
      return false;
    }
  }

  let call = createCaller(createContext()) as unknown as CallerNode;
  for (const segment of path.split(".")) call = call[segment] as CallerNode;
  try {
    const data = await call(input);
    reply.header("content-type", "application/json").header("vary", "trpc-accept");
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
      .header("content-type", "application/json")
      .header("vary", "trpc-accept");
    await reply.send(JSON.stringify({ error: shape }));
  }
  return true;
}
