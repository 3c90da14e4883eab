import { SCOPES } from "@warden/auth-core/schemas";
import { generateOpenApiDocument, type OpenAPIObject } from "trpc-to-openapi";
import type { oas31 } from "zod-openapi";
import { appRouter } from "../router.js";
import { OAUTH_PATHS } from "./oauth-paths.js";
import { PROBLEM_JSON } from "./problem-details.js";
import { restRoutes } from "./rest-routes.js";

const PROBLEM_SCHEMA: oas31.SchemaObject = {
  type: "object",
  description: "An RFC 9457 problem: every REST error",
  required: ["type", "status", "title", "detail", "code"],
  properties: {
    type: { type: "string", const: "about:blank" },
    status: { type: "integer", description: "the HTTP status" },
    title: { type: "string", description: "the status's reason phrase" },
    detail: { type: "string", description: "what went wrong, for a person" },
    code: {
      type: "string",
      description: "the tRPC error code a TypeScript client sees for the same failure",
      examples: ["BAD_REQUEST", "UNAUTHORIZED", "NOT_FOUND", "CONFLICT", "TOO_MANY_REQUESTS"],
    },
    errors: {
      type: "object",
      description: "validation failures: each bad field with its messages",
      additionalProperties: { type: "array", items: { type: "string" } },
    },
    retryAfter: { type: "integer", description: "seconds; also sent as Retry-After" },
  },
  example: {
    type: "about:blank",
    status: 400,
    title: "Bad Request",
    detail: "title: must not be empty",
    code: "BAD_REQUEST",
    errors: { title: ["must not be empty"] },
  },
};

/** Who may call what: a user's bearer JWT (from either login), or OAuth's own flows for a client that speaks them. */
function securitySchemes(issuer: string) {
  const tokenUrl = `${issuer}/oauth/token`;
  return {
    bearerAuth: {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description: "An access token from `POST /api/auth/login` or `POST /oauth/token`.",
    },
    oauth2: {
      type: "oauth2",
      description:
        "Password flow for people (no client secret needed); client credentials for services.",
      flows: {
        password: { tokenUrl, refreshUrl: tokenUrl, scopes: {} },
        clientCredentials: {
          tokenUrl,
          scopes: Object.fromEntries(SCOPES.map((scope) => [scope, `the scope ${scope}`])),
        },
      },
    },
    clientBasic: {
      type: "http",
      scheme: "basic",
      description: "A service client's id and secret (RFC 6749 §2.3.1).",
    },
  } as const;
}

type Operation = {
  security?: Record<string, string[]>[];
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
};

/**
 * trpc-to-openapi describes the routes from the procedures' own zod schemas;
 * what it cannot know is set here: each error is an RFC 9457 problem (not
 * its own error shape), a creation answers 201, and which security schemes
 * a protected route takes.
 */
function describeWardenResponses(document: OpenAPIObject): void {
  const created = new Set(
    restRoutes()
      .filter((route) => route.procedure._def.meta?.createsResource)
      .map((route) => `${route.method.toLowerCase()} ${route.path}`),
  );
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith("/api/")) continue;
    for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
      // A protected route takes a user's bearer token, however it was obtained (not a client's Basic credentials).
      if (operation.security) operation.security = [{ bearerAuth: [] }, { oauth2: [] }];
      const { responses } = operation;
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) >= 400) {
          response.content = {
            [PROBLEM_JSON]: { schema: { $ref: "#/components/schemas/Problem" } },
          };
        }
      }
      if (!responses["503"]) {
        responses["503"] = {
          description: "The database is unreachable; `Retry-After` says when to try again",
          content: { [PROBLEM_JSON]: { schema: { $ref: "#/components/schemas/Problem" } } },
        };
      }
      if (created.has(`${method} ${path}`) && responses["200"]) {
        responses["201"] = { ...responses["200"], description: "Created" };
        delete responses["200"];
      }
    }
  }
}

/** The OpenAPI 3.1 document served at /openapi.json: every REST route, the OAuth endpoints, both security schemes. */
export function buildOpenApiDocument(options: { issuer: string; version: string }): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
    title: "Warden",
    description:
      "Authentication for TypeScript teams, callable from any language. Every route here is also a " +
      "tRPC procedure (`/trpc/<path>`); errors are RFC 9457 problems (`application/problem+json`). " +
      "Log in with `POST /api/auth/login` or `POST /oauth/token` and send the access token as " +
      "`Authorization: Bearer <token>`.",
    version: options.version,
    baseUrl: options.issuer,
    securitySchemes: securitySchemes(options.issuer),
    tags: ["auth", "users", "sessions", "posts", "admin", "system", "oauth"],
    paths: OAUTH_PATHS,
  });
  describeWardenResponses(document);
  // trpc-to-openapi's own error shapes are replaced by Problem above.
  const schemas = Object.fromEntries(
    Object.entries(document.components?.schemas ?? {}).filter(
      ([name]) => !name.startsWith("error."),
    ),
  );
  document.components = {
    ...document.components,
    schemas: { ...schemas, Problem: PROBLEM_SCHEMA },
  };
  return document;
}
