import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../context.js";

export function registerHealthRoutes(app: FastifyInstance, deps: ServerDeps): void {
  // Liveness: the process answers. Nothing else, so a slow database never gets it restarted.
  app.get("/healthz", async () => ({ status: "ok" }));

  // Readiness: the database answers too.
  app.get("/readyz", async (_request, reply) => {
    try {
      await deps.warden.database.ping();
      return { status: "ok", database: "ok" };
    } catch {
      return reply.status(503).send({ status: "unavailable", database: "unreachable" });
    }
  });
}
