import { ROLES } from "@warden/auth-core/schemas";
import { z } from "zod";

// Output schemas: they document the wire format and strip anything a
// procedure did not mean to send (a password hash can never slip through).

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: z.string(),
});

export const publicUserSchema = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string(),
  createdAt: z.string(),
});

export const tokenPairSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal("Bearer"),
  expiresIn: z.number(),
  refreshToken: z.string(),
  refreshExpiresIn: z.number(),
});

export const sessionSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  current: z.boolean(),
});

export const postSchema = z.object({
  id: z.string(),
  title: z.string(),
  content: z.string(),
  published: z.boolean(),
  ownerId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const auditEventSchema = z.object({
  id: z.string(),
  at: z.string(),
  kind: z.string(),
  userId: z.string().optional(),
  clientId: z.string().optional(),
  ip: z.string().optional(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const okSchema = z.object({ ok: z.literal(true) });

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
