import { z } from "zod";
import { publicProcedure, router } from "../trpc.js";

export const systemRouter = router({
  health: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/health",
        tags: ["system"],
        summary: "Whether the server and its database answer",
        protect: false,
      },
    })
    .output(
      z.object({
        status: z.enum(["ok", "degraded"]),
        database: z.enum(["ok", "unreachable"]),
        version: z.string(),
      }),
    )
    .query(async ({ ctx }) => {
      const database = await ctx.deps.warden.database
        .ping()
        .then(() => "ok" as const)
        .catch(() => "unreachable" as const);
      return { status: database === "ok" ? "ok" : "degraded", database, version: ctx.deps.version };
    }),

  hello: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/hello/{name}",
        tags: ["system"],
        summary: "A greeting: the smallest call, to check a client works",
        protect: false,
      },
    })
    .input(
      z.object({
        name: z.string().min(1, "must not be empty").max(100, "must be at most 100 characters"),
      }),
    )
    .output(z.object({ message: z.string() }))
    .query(({ input }) => ({ message: `Hello, ${input.name}!` })),
});
