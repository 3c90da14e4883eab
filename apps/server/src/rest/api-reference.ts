import helmet from "@fastify/helmet";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../context.js";
import { lazyOpenApiDocument } from "./lazy-openapi-document.js";

/**
 * `GET /openapi.json`, the OpenAPI 3.1 document, built on its first request
 * (lazy-openapi-document.ts), and
 * `GET /docs`, Swagger UI over it: a person authorizes with a username and
 * password (the OAuth password flow against /oauth/token) and tries every
 * route. The page is the one HTML Warden serves, so it alone gets helmet's
 * full set of document headers; its Content-Security-Policy is Swagger UI's
 * own (scripts and styles from 'self' only, none inline), with nothing loaded
 * from elsewhere. e2e/docs-page.e2e.test.ts drives it in Chromium and fails
 * on any CSP violation.
 */
export async function registerApiReference(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  const openApi = lazyOpenApiDocument({
    issuer: deps.warden.config.issuer,
    version: deps.version,
  });

  app.get("/openapi.json", async (_request, reply) =>
    reply
      .header("content-type", "application/json; charset=utf-8")
      .header("cache-control", "public, max-age=300")
      .send(await openApi.json()),
  );

  await app.register(async (docs) => {
    // Swagger UI takes the document from @fastify/swagger, which is handed it
    // at registration and gives it out synchronously: it gets this object,
    // filled with the built document before the first /docs request is routed.
    const document: Record<string, unknown> = {};
    let filled = false;
    docs.addHook("onRequest", async () => {
      if (filled) return;
      Object.assign(document, await openApi.document());
      filled = true;
    });
    await docs.register(helmet, { contentSecurityPolicy: false });
    await docs.register(swagger, {
      mode: "static",
      specification: { document: document as never },
    });
    await docs.register(swaggerUi, {
      routePrefix: "/docs",
      uiConfig: {
        // The page without Swagger UI's top bar, as FastAPI's /docs is: the
        // bar holds an "Explore" box for loading other documents and Swagger
        // UI's logo, an inline SVG whose <style> the CSP (rightly) blocks.
        layout: "BaseLayout",
        docExpansion: "list",
        deepLinking: true,
        persistAuthorization: false,
        validatorUrl: null,
        tryItOutEnabled: true,
      },
      staticCSP: true,
      // Swagger UI's policy, minus what Warden does not need: images and fonts
      // from elsewhere, its online validator, and the upgrade to https, which
      // a server on http://localhost in development cannot answer.
      transformStaticCSP: (header: string) =>
        header
          .replace(" upgrade-insecure-requests;", "")
          .replace(" validator.swagger.io", "")
          .replace("font-src 'self' https: data:", "font-src 'self' data:")
          .replace("style-src 'self' https:", "style-src 'self'")
          .replace("frame-ancestors 'self'", "frame-ancestors 'none'"),
    });
  });
}
