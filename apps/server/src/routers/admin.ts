import { AUDIT_KINDS, AuthError, ROLES } from "@warden/auth-core";
import { z } from "zod";
import { idSchema, pageInputSchema } from "../schemas/inputs.js";
import { auditEventSchema, pageOf, userSchema } from "../schemas/outputs.js";
import { adminProcedure, router } from "../trpc.js";

const usersRouter = router({
  list: adminProcedure
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
    .input(z.object({ id: idSchema, role: z.enum(ROLES) }))
    .output(userSchema)
    .mutation(async ({ ctx, input }) => {
      const user = await ctx.deps.warden.users.setRole(input.id, input.role);
      await ctx.deps.warden.audit.record({
        kind: "user.role_changed",
        userId: input.id,
        ip: ctx.request.ip,
        detail: { role: input.role, by: ctx.auth.userId },
      });
      return user;
    }),

  setDisabled: adminProcedure
    .input(z.object({ id: idSchema, disabled: z.boolean() }))
    .output(userSchema)
    .mutation(async ({ ctx, input }) => {
      const { warden } = ctx.deps;
      if (input.disabled && input.id === ctx.auth.userId) {
        throw new AuthError("FORBIDDEN", { message: "an admin cannot disable their own account" });
      }
      const user = await warden.users.setDisabled(input.id, input.disabled);
      const ended = input.disabled ? await warden.sessions.revokeAll(input.id, "disabled") : 0;
      await warden.audit.record({
        kind: input.disabled ? "user.disabled" : "user.enabled",
        userId: input.id,
        ip: ctx.request.ip,
        detail: { by: ctx.auth.userId, sessionsEnded: ended },
      });
      return user;
    }),
});

const auditRouter = router({
  list: adminProcedure
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
      const created = await ctx.deps.warden.clients.create(input);
      await ctx.deps.warden.audit.record({
        kind: "client.created",
        clientId: created.clientId,
        ip: ctx.request.ip,
        detail: { by: ctx.auth.userId, name: created.name, scopes: created.scopes.join(" ") },
      });
      return {
        clientId: created.clientId,
        clientSecret: created.clientSecret,
        name: created.name,
        scopes: created.scopes,
      };
    }),

  list: adminProcedure
    .output(z.array(clientSchema))
    .query(({ ctx }) => ctx.deps.warden.clients.list()),

  revoke: adminProcedure
    .input(z.object({ clientId: z.string().min(1).max(64) }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.warden.clients.revoke(input.clientId);
      await ctx.deps.warden.audit.record({
        kind: "client.revoked",
        clientId: input.clientId,
        ip: ctx.request.ip,
        detail: { by: ctx.auth.userId },
      });
      return { ok: true as const };
    }),
});

export const adminRouter = router({
  users: usersRouter,
  clients: clientsRouter,
  audit: auditRouter,
});
