import { AuthError } from "@warden/auth-core";
import { z } from "zod";
import { credentialsSchema, registrationSchema } from "../schemas/inputs.js";
import { okSchema, tokenPairSchema, userSchema } from "../schemas/outputs.js";
import { protectedProcedure, publicProcedure, router } from "../trpc.js";

const refreshTokenSchema = z
  .string()
  .min(1, "must not be empty")
  .max(512, "must be at most 512 characters");

export const authRouter = router({
  register: publicProcedure
    .input(registrationSchema)
    .output(userSchema)
    .mutation(({ ctx, input }) => ctx.deps.useCases.register(input, ctx.request)),

  login: publicProcedure
    .meta({ sendsCredentials: true })
    .input(credentialsSchema)
    .output(tokenPairSchema)
    .mutation(
      async ({ ctx, input }) =>
        (await ctx.deps.useCases.logInWithPassword(input, ctx.request)).tokens,
    ),

  refresh: publicProcedure
    .meta({ sendsCredentials: true })
    .input(z.object({ refreshToken: refreshTokenSchema }))
    .output(tokenPairSchema)
    .mutation(
      async ({ ctx, input }) =>
        (await ctx.deps.useCases.refreshTokens(input.refreshToken, ctx.request)).tokens,
    ),

  logout: protectedProcedure
    .input(z.object({ refreshToken: refreshTokenSchema.optional() }).optional())
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.useCases.logOut(ctx.auth, { refreshToken: input?.refreshToken }, ctx.request);
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
      const user = await ctx.deps.userRows.findById(ctx.auth.userId);
      if (!user) throw new AuthError("INVALID_TOKEN", { message: "the account no longer exists" });
      return { valid: true as const, user, claims: ctx.auth.claims };
    }),
});
