import { type AdminActor, AUDIT_KINDS, ROLES } from "@warden/auth-core";
import { z } from "zod";
import { idSchema, pageInputSchema } from "../schemas/inputs.js";
import { auditEventSchema, okSchema, pageOf, userSchema } from "../schemas/outputs.js";
import { adminProcedure, router } from "../trpc.js";

/** The admin behind the token, as the use cases name who acted. */
function adminActor(ctx: { auth: { userId: string } }): AdminActor {
  return { kind: "user", userId: ctx.auth.userId };
}

const usersRouter = router({
  list: adminProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/admin/users",
        tags: ["admin"],
        summary: "Every account, a page at a time; `query` matches username, email or name",
      },
    })
    .input(
      pageInputSchema
        .extend({ query: z.string().max(100, "must be at most 100 characters").optional() })
        .optional(),
    )
    .output(pageOf(userSchema))
    .query(({ ctx, input }) =>
      ctx.deps.warden.users.list({
        limit: input?.limit ?? 20,
        cursor: input?.cursor,
        query: input?.query,
      }),
    ),

  setRole: adminProcedure
    .meta({
      openapi: {
        method: "PUT",
        path: "/api/admin/users/{id}/role",
        tags: ["admin"],
        summary: "Make a user an admin or a user; their sessions end",
      },
    })
    .input(z.object({ id: idSchema, role: z.enum(ROLES) }))
    .output(userSchema)
    .mutation(({ ctx, input }) => ctx.deps.useCases.setRole(adminActor(ctx), input, ctx.request)),

  delete: adminProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/api/admin/users/{id}",
        errorResponses: {
          400: "Invalid input",
          401: "No valid access token",
          403: "Not an admin",
          404: "No such user",
          409: "The last admin cannot be deleted",
          503: "The database is unreachable",
        },
        tags: ["admin"],
        summary: "Delete an account and its posts for good (the last admin cannot be deleted)",
      },
    })
    .input(z.object({ id: idSchema }))
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.useCases.deleteUser(adminActor(ctx), input, ctx.request);
      return { ok: true as const };
    }),

  setDisabled: adminProcedure
    .meta({
      openapi: {
        method: "PUT",
        path: "/api/admin/users/{id}/disabled",
        tags: ["admin"],
        summary: "Disable or re-enable an account; disabling ends its sessions",
      },
    })
    .input(z.object({ id: idSchema, disabled: z.boolean() }))
    .output(userSchema)
    .mutation(({ ctx, input }) =>
      ctx.deps.useCases.setDisabled(adminActor(ctx), input, ctx.request),
    ),

  resetTwoFactor: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/admin/users/{id}/reset-two-factor",
        errorResponses: {
          400: "Invalid input",
          401: "No valid access token",
          403: "Not an admin",
          404: "No such user",
          409: "The account has no two-factor login",
          503: "The database is unreachable",
        },
        tags: ["admin"],
        summary:
          "Turn a user's two-factor login off (lost phone and recovery codes) and end their sessions",
      },
    })
    .input(z.object({ id: idSchema }))
    .output(userSchema)
    .mutation(({ ctx, input }) =>
      ctx.deps.useCases.resetTwoFactor(adminActor(ctx), input, ctx.request),
    ),
});

const auditRouter = router({
  list: adminProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/admin/audit",
        tags: ["admin"],
        summary: "The audit log, newest first, by user or kind",
      },
    })
    .input(
      pageInputSchema
        .extend({ userId: idSchema.optional(), kind: z.enum(AUDIT_KINDS).optional() })
        .optional(),
    )
    .output(pageOf(auditEventSchema))
    .query(({ ctx, input }) =>
      ctx.deps.warden.audit.list({
        limit: input?.limit ?? 20,
        cursor: input?.cursor,
        userId: input?.userId,
        kind: input?.kind,
      }),
    ),
});

const clientSchema = z.object({
  clientId: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.string(),
});

const clientsRouter = router({
  create: adminProcedure
    .meta({
      sendsCredentials: true,
      createsResource: true,
      openapi: {
        method: "POST",
        path: "/api/admin/clients",
        tags: ["admin"],
        summary: "Register a service client; its secret is shown this once",
      },
    })
    .input(
      z.object({
        name: z.string().max(100, "must be at most 100 characters"),
        scopes: z.array(z.string().max(64)).max(20).default([]),
      }),
    )
    .output(
      z.object({
        clientId: z.string(),
        clientSecret: z.string(),
        name: z.string(),
        scopes: z.array(z.string()),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const created = await ctx.deps.useCases.createClient(adminActor(ctx), input, ctx.request);
      return {
        clientId: created.clientId,
        clientSecret: created.clientSecret,
        name: created.name,
        scopes: created.scopes,
      };
    }),

  list: adminProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/admin/clients",
        tags: ["admin"],
        summary: "The service clients",
      },
    })
    .output(z.array(clientSchema))
    .query(({ ctx }) => ctx.deps.warden.clients.list()),

  revoke: adminProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/api/admin/clients/{clientId}",
        tags: ["admin"],
        summary: "Revoke a service client; its tokens stop working",
      },
    })
    .input(z.object({ clientId: z.string().min(1).max(64) }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.useCases.revokeClient(adminActor(ctx), input.clientId, ctx.request);
      return { ok: true as const };
    }),
});

export const adminRouter = router({
  users: usersRouter,
  clients: clientsRouter,
  audit: auditRouter,
});
