import { z } from "zod";
import { idSchema } from "../schemas/inputs.js";
import { okSchema, sessionSchema } from "../schemas/outputs.js";
import { protectedProcedure, router } from "../trpc.js";

export const sessionsRouter = router({
  list: protectedProcedure
    .output(z.array(sessionSchema))
    .query(({ ctx }) => ctx.deps.warden.sessions.list(ctx.auth.userId, ctx.auth.sessionId)),

  revoke: protectedProcedure
    .input(z.object({ id: idSchema }))
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.useCases.endSession(ctx.auth, input.id, ctx.request);
      return { ok: true as const };
    }),

  revokeAll: protectedProcedure
    .output(z.object({ revoked: z.number() }))
    .mutation(async ({ ctx }) => ({
      revoked: await ctx.deps.useCases.endOtherSessions(ctx.auth, ctx.request),
    })),
});
