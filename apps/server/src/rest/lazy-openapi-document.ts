import type { OpenAPIObject } from "trpc-to-openapi";

/** The OpenAPI document, built when it is first asked for. */
export interface LazyOpenApiDocument {
  /** The document; the first call builds it, later and concurrent calls share that build. */
  document(): Promise<OpenAPIObject>;
  /** The document as JSON text, serialized once. */
  json(): Promise<string>;
}

/**
 * Building the document loads trpc-to-openapi and zod-openapi and walks
 * every procedure's schemas: at start that cost ~10 MB of resident memory
 * and a heap peak that V8 kept for the life of the process, for a document
 * few servers are ever asked for. So it is built on the first request of
 * /openapi.json or /docs, once (a failed build is tried again on the next).
 * `build` defaults to openapi-document.ts, imported only then.
 */
export function lazyOpenApiDocument(
  options: { issuer: string; version: string },
  build: (options: { issuer: string; version: string }) => Promise<OpenAPIObject> = async (
    buildOptions,
  ) => (await import("./openapi-document.js")).buildOpenApiDocument(buildOptions),
): LazyOpenApiDocument {
  let document: Promise<OpenAPIObject> | undefined;
  let json: Promise<string> | undefined;
  const built = () => {
    document ??= build(options).catch((error: unknown) => {
      document = undefined;
      throw error;
    });
    return document;
  };
  return {
    document: built,
    json() {
      json ??= built().then(
        (value) => JSON.stringify(value),
        (error: unknown) => {
          json = undefined;
          throw error;
        },
      );
      return json;
    },
  };
}
