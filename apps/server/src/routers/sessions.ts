import { AuthError } from "@warden/auth-core";
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
      const { warden } = ctx.deps;
      // Someone else's session, or one already ended, is NOT_FOUND: it is not the caller's to see.
      if (!(await warden.sessions.revoke(ctx.auth.userId, input.id, "revoked"))) {
        throw new AuthError("NOT_FOUND", { message: "no such session" });
      }
      await warden.audit.record({
        kind: "session.revoked",
        userId: ctx.auth.userId,
        ip: ctx.request.ip,
        detail: { sessionId: input.id },
      });
      return { ok: true as const };
    }),

  revokeAll: protectedProcedure
    .output(z.object({ revoked: z.number() }))
    .mutation(async ({ ctx }) => {
      const { warden } = ctx.deps;
      const revoked = await warden.sessions.revokeAll(ctx.auth.userId, "revoked", {
        exceptSessionId: ctx.auth.sessionId,
      });
      await warden.audit.record({
        kind: "session.revoked",
        userId: ctx.auth.userId,
        ip: ctx.request.ip,
        detail: { count: revoked },
      });
      return { revoked };
    }),
});
