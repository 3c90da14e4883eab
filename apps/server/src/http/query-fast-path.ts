import type { IncomingHttpHeaders } from "node:http";
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
import { type DirectQuery, directMutations, directQueries } from "./direct-query.js";
import { TRPC_VARY } from "./vary.js";

// Built once: every query and mutation procedure that has a direct form (direct-query.ts).
export const queries = directQueries(appRouter);
const mutations = directMutations(appRouter);
const credentialProcedures = new Set(
  Object.entries(
    appRouter._def.procedures as unknown as Record<string, { _def: { meta?: ProcedureMeta } }>,
  )
    .filter(([, procedure]) => procedure._def.meta?.sendsCredentials === true)
    .map(([path]) => path),
);

// Answers are sent as bytes: Fastify appends "; charset=utf-8" to a string
// sent as JSON (and parses the content type to decide), tRPC's adapter does
// not; as a Buffer the header is sent as set here, exactly as tRPC sends it.
// The vary header is tRPC's own (it reads both to choose a streaming answer).
const JSON_HEADERS = Object.freeze({
  "content-type": "application/json",
  vary: TRPC_VARY,
});
const JSON_NO_STORE_HEADERS = Object.freeze({ ...JSON_HEADERS, ...NO_STORE_HEADERS });

/**
 * Answers a single, unbatched `GET /trpc/<query>?input=…`, or a single
 * `POST /trpc/<mutation>` with a JSON body, through the procedure's direct
 * form (direct-query.ts): its own authentication, unstorable-text rule,
 * input and output schemas and error mapping, formatted as tRPC formats
 * them, without the adapter's conversion of every request and response to
 * the Fetch API (a web stream for every body) nor tRPC's per-layer copies
 * of the call's options.
 *
 * Returns false, having sent nothing, for anything else (batches, a
 * procedure called with the other method, unknown paths, procedures without
 * a direct form, unparsable input, a body over `maxBodySize`, a body that is
 * not `application/json`, a streaming (JSONL) accept): tRPC's adapter
 * answers those, with its own errors.
 */
export async function tryFastQuery(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  createContext: () => Context,
  maxBodySize = Number.POSITIVE_INFINITY,
): Promise<boolean> {
  let query: DirectQuery | undefined;
  if (request.method === "GET") query = queries.get(path);
  else if (request.method === "POST") query = mutations.get(path);
  if (query === undefined) return false;
  const search = request.query as Record<string, unknown>;
  if ("batch" in search) return false;
  // tRPC refuses an unbatched streaming call (BAD_REQUEST): its adapter says so.
  if (acceptsJsonl(request.headers)) return false;
  const read = request.method === "GET" ? queryInput(search) : bodyInput(request, maxBodySize);
  if (read === NOT_OURS) return false;

  const answer = await directAnswer(query, createContext(), read.input, path, (err) =>
    request.log.error({ err, path }, "procedure failed"),
  );
  reply.status(answer.status).headers(answer.headers);
  await reply.send(Buffer.from(answer.body));
  return true;
}

/** What a direct call answers: its HTTP status, headers and JSON body, as tRPC's adapter would. */
export interface DirectAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Runs `query` and formats its outcome as tRPC does: `{ result: { data } }`,
 * or `{ error }` through Warden's error formatter with the status, the
 * `WWW-Authenticate`/`Retry-After` headers and no-store where the procedure
 * sends credentials. An internal failure is passed to `logFailure`, never
 * into the answer.
 */
export async function directAnswer(
  query: DirectQuery,
  ctx: Context,
  input: unknown,
  path: string,
  logFailure: (cause: unknown) => void,
): Promise<DirectAnswer> {
  const jsonHeaders = credentialProcedures.has(path) ? JSON_NO_STORE_HEADERS : JSON_HEADERS;
  try {
    const data = await query(ctx, input, path);
    return { status: 200, headers: jsonHeaders, body: JSON.stringify({ result: { data } }) };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    if (error.code === "INTERNAL_SERVER_ERROR") logFailure(error.cause ?? error);
    const status = getHTTPStatusCodeFromError(error);
    const shape = formatError(
      {
        message: error.message,
        code: TRPC_ERROR_CODES_BY_KEY[error.code],
        data: { code: error.code, httpStatus: status, path },
      },
      error as TRPCError,
    );
    return {
      status,
      headers: { ...errorHeaders([error]), ...jsonHeaders },
      body: JSON.stringify({ error: shape }),
    };
  }
}

/** Input the fast path leaves to tRPC's adapter, which answers it with its own error. */
export const NOT_OURS = Symbol("not ours");

/** A query's `?input=` (JSON), or none. */
export function queryInput(search: Record<string, unknown>): { input: unknown } | typeof NOT_OURS {
  if (search.input === undefined) return { input: undefined };
  if (typeof search.input !== "string") return NOT_OURS;
  return parsed(search.input);
}

/** A mutation's JSON body, or none; form data and other media types are tRPC's to take or refuse. */
function bodyInput(
  request: FastifyRequest,
  maxBodySize: number,
): { input: unknown } | typeof NOT_OURS {
  if (!isJson(request.headers["content-type"])) return NOT_OURS;
  const body = request.body;
  if (body === undefined || body === null || body === "") return { input: undefined };
  // trpc-routes.ts hands JSON bodies over as the raw string, as tRPC reads them.
  if (typeof body !== "string" || body.length > maxBodySize) return NOT_OURS;
  return parsed(body);
}

function parsed(json: string): { input: unknown } | typeof NOT_OURS {
  try {
    return { input: JSON.parse(json) };
  } catch {
    return NOT_OURS;
  }
}

/** Whether the client asked for tRPC's streaming (JSONL) answer, as tRPC reads its headers. */
export function acceptsJsonl(headers: IncomingHttpHeaders): boolean {
  const trpcAccept = headers["trpc-accept"];
  if (trpcAccept !== undefined) return trpcAccept === "application/jsonl";
  const accept = headers.accept;
  return (
    typeof accept === "string" &&
    accept.includes("application/jsonl") &&
    accept.split(",").some((type) => type.trim() === "application/jsonl")
  );
}

/** `application/json`, with any parameters, in any case: what tRPC's JSON handler takes. */
function isJson(contentType: string | undefined): boolean {
  return contentType?.toLowerCase().split(";", 1)[0]?.trim() === "application/json";
}
