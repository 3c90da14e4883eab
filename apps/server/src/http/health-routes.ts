import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../context.js";

/** A readiness probe answers within this, whatever the database does. */
const READY_TIMEOUT_MS = 2_000;

export function registerHealthRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { database } = deps.warden;

  // An outage is logged twice: when it starts and when it ends. Not once per
  // failed request, nor once per pooled connection that drops.
  const unsubscribe = database.onAvailabilityChange((change) => {
    if (change.available) {
      deps.logger.info("database reachable again");
    } else {
      deps.logger.error(
        { err: change.error },
        "database unreachable: requests that need it answer 503 until it is back",
      );
    }
  });
  app.addHook("onClose", async () => {
    unsubscribe();
  });

  // Liveness: the process answers. Nothing else, so a slow database never gets it restarted.
  app.get("/healthz", async () => ({ status: "ok" }));

  // Readiness: the database answers too, within READY_TIMEOUT_MS.
  app.get("/readyz", async (_request, reply) => {
    try {
      await withinMs(database.ping(), READY_TIMEOUT_MS);
      return { status: "ok", database: "ok" };
    } catch {
      return reply.status(503).send({ status: "unavailable", database: "unreachable" });
    }
  });
}

function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
