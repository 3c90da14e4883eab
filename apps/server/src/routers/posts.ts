import { z } from "zod";
import { idSchema, pageInputSchema } from "../schemas/inputs.js";
import { okSchema, pageOf, postSchema } from "../schemas/outputs.js";
import { protectedProcedure, router } from "../trpc.js";

const title = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters");
const content = z.string().max(50_000, "must be at most 50000 characters");

export const postsRouter = router({
  list: protectedProcedure
    .input(pageInputSchema.optional())
    .output(pageOf(postSchema))
    .query(({ ctx, input }) =>
      ctx.deps.warden.posts.list(ctx.auth.userId, {
        limit: input?.limit ?? 20,
        cursor: input?.cursor,
      }),
    ),

  byId: protectedProcedure
    .input(z.object({ id: idSchema }))
    .output(postSchema)
    .query(({ ctx, input }) => ctx.deps.warden.posts.get(ctx.auth.userId, input.id)),

  create: protectedProcedure
    .input(z.object({ title, content, published: z.boolean().optional() }))
    .output(postSchema)
    .mutation(({ ctx, input }) => ctx.deps.warden.posts.create(ctx.auth.userId, input)),

  update: protectedProcedure
    .input(
      z.object({
        id: idSchema,
        title: title.optional(),
        content: content.optional(),
        published: z.boolean().optional(),
      }),
    )
    .output(postSchema)
    .mutation(({ ctx, input }) => ctx.deps.warden.posts.update(ctx.auth.userId, input)),

  delete: protectedProcedure
    .input(z.object({ id: idSchema }))
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.warden.posts.delete(ctx.auth.userId, input.id);
      return { ok: true as const };
    }),
});
