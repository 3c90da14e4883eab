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
    .meta({
      openapi: {
        method: "GET",
        path: "/api/posts",
        tags: ["posts"],
        summary: "The caller's posts, newest first, a page at a time",
      },
    })
    .input(pageInputSchema.optional())
    .output(pageOf(postSchema))
    .query(({ ctx, input }) =>
      ctx.deps.postPages.list(ctx.auth.userId, {
        limit: input?.limit ?? 20,
        cursor: input?.cursor,
      }),
    ),

  byId: protectedProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/posts/{id}",
        tags: ["posts"],
        summary: "One of the caller's posts",
      },
    })
    .input(z.object({ id: idSchema }))
    .output(postSchema)
    .query(({ ctx, input }) => ctx.deps.warden.posts.get(ctx.auth.userId, input.id)),

  create: protectedProcedure
    .meta({
      createsResource: true,
      openapi: { method: "POST", path: "/api/posts", tags: ["posts"], summary: "Write a post" },
    })
    .input(
      z
        .object({ title, content, published: z.boolean().optional() })
        .meta({ examples: [{ title: "Hello", content: "My first post.", published: true }] }),
    )
    .output(postSchema)
    .mutation(({ ctx, input }) => ctx.deps.warden.posts.create(ctx.auth.userId, input)),

  update: protectedProcedure
    .meta({
      openapi: {
        method: "PATCH",
        path: "/api/posts/{id}",
        tags: ["posts"],
        summary: "Change a post's title, content or published flag",
      },
    })
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
    .meta({
      openapi: {
        method: "DELETE",
        path: "/api/posts/{id}",
        tags: ["posts"],
        summary: "Delete a post",
      },
    })
    .input(z.object({ id: idSchema }))
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.warden.posts.delete(ctx.auth.userId, input.id);
      return { ok: true as const };
    }),
});
