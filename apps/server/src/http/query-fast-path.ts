import { getTRPCErrorFromUnknown, type TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Context } from "../context.js";
import { errorHeaders } from "../errors/error-headers.js";
import { formatError } from "../errors/error-shape.js";
import { appRouter } from "../router.js";

/** A procedure as tRPC keeps it: callable with the options its server-side caller passes. */
type CallableProcedure = ((options: {
  path: string;
  getRawInput: () => Promise<unknown>;
  ctx: Context;
  type: "query";
  signal: undefined;
  batchIndex: number;
}) => Promise<unknown>) & { _def: { type: string } };

// At run time tRPC keeps every procedure in one flat map by dotted path.
const procedures = appRouter._def.procedures as unknown as Record<
  string,
  CallableProcedure | undefined
>;

/**
 * Answers a single, unbatched `GET /trpc/<query>?input=…` by calling the
 * procedure as tRPC's own server-side caller does: the same middlewares,
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
  const procedure = procedures[path];
  if (request.method !== "GET" || procedure?._def.type !== "query") return false;
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

  try {
    // What tRPC's server-side caller does for one call (the same middlewares, input
    // and output validation), without building a caller proxy per request.
    const data = await procedure({
      path,
      getRawInput: async () => input,
      ctx: createContext(),
      type: "query",
      signal: undefined,
      batchIndex: 0,
    });
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
