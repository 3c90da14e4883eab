import { AuthError } from "@warden/auth-core";
import { z } from "zod";
import { credentialsSchema, registrationSchema } from "../schemas/inputs.js";
import { okSchema, tokenPairSchema, userSchema } from "../schemas/outputs.js";
import { passwordLogin } from "../security/password-login.js";
import { protectedProcedure, publicProcedure, router } from "../trpc.js";

const refreshTokenSchema = z
  .string()
  .min(1, "must not be empty")
  .max(512, "must be at most 512 characters");

export const authRouter = router({
  register: publicProcedure
    .input(registrationSchema)
    .output(userSchema)
    .mutation(async ({ ctx, input }) => {
      const user = await ctx.deps.warden.users.register(input);
      await ctx.deps.warden.audit.record({
        kind: "user.registered",
        userId: user.id,
        ip: ctx.request.ip,
        detail: {},
      });
      return user;
    }),

  login: publicProcedure
    .input(credentialsSchema)
    .output(tokenPairSchema)
    .mutation(async ({ ctx, input }) => {
      const { tokens } = await passwordLogin(ctx.deps, input, {
        ip: ctx.request.ip,
        userAgent: ctx.request.userAgent,
      });
      return tokens;
    }),

  refresh: publicProcedure
    .input(z.object({ refreshToken: refreshTokenSchema }))
    .output(tokenPairSchema)
    .mutation(async ({ ctx, input }) => {
      const { warden } = ctx.deps;
      try {
        return (await warden.auth.refresh(input.refreshToken)).tokens;
      } catch (error) {
        if (error instanceof Error && error.cause === "reuse") {
          await warden.audit.record({ kind: "refresh.reused", ip: ctx.request.ip, detail: {} });
        }
        throw error;
      }
    }),

  logout: protectedProcedure
    .input(z.object({ refreshToken: refreshTokenSchema.optional() }).optional())
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      const { warden } = ctx.deps;
      const { userId, sessionId } = ctx.auth;
      await warden.sessions.revoke(userId, sessionId, "logout");
      // A refresh token given too is ended with its own session, if it is the caller's.
      if (input?.refreshToken)
        await warden.sessions.revokeByRefreshToken(input.refreshToken, { userId });
      await warden.audit.record({
        kind: "logout",
        userId,
        ip: ctx.request.ip,
        detail: { sessionId },
      });
      return { ok: true as const };
    }),

  verify: protectedProcedure
    .output(
      z.object({
        valid: z.literal(true),
        user: userSchema,
        claims: z.record(z.string(), z.unknown()),
      }),
    )
    .query(async ({ ctx }) => {
      const user = await ctx.deps.warden.users.findById(ctx.auth.userId);
      if (!user) throw new AuthError("INVALID_TOKEN", { message: "the account no longer exists" });
      return { valid: true as const, user, claims: ctx.auth.claims };
    }),
});
