import { z } from "zod";
import { idSchema } from "../schemas/inputs.js";
import { okSchema, sessionSchema } from "../schemas/outputs.js";
import { protectedProcedure, router } from "../trpc.js";

export const sessionsRouter = router({
  list: protectedProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/sessions",
        tags: ["sessions"],
        summary: "The caller's live sessions (devices), the current one marked",
      },
    })
    .output(z.array(sessionSchema))
    .query(({ ctx }) => ctx.deps.warden.sessions.list(ctx.auth.userId, ctx.auth.sessionId)),

  revoke: protectedProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/api/sessions/{id}",
        tags: ["sessions"],
        summary: "End one of the caller's sessions",
      },
    })
    .input(z.object({ id: idSchema }))
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.useCases.endSession(ctx.auth, input.id, ctx.request);
      return { ok: true as const };
    }),

  revokeAll: protectedProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/api/sessions",
        tags: ["sessions"],
        summary: "End every session of the caller but the current one",
      },
    })
    .output(z.object({ revoked: z.number() }))
    .mutation(async ({ ctx }) => ({
      revoked: await ctx.deps.useCases.endOtherSessions(ctx.auth, ctx.request),
    })),
});
