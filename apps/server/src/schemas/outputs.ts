import { ROLES } from "@warden/auth-core/schemas";
import { z } from "zod";

// Output schemas: they document the wire format and strip anything a
// procedure did not mean to send (a password hash can never slip through).

export const userSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    emailVerified: z.boolean(),
    twoFactorEnabled: z.boolean(),
    createdAt: z.string(),
  })
  .meta({
    id: "User",
    example: {
      id: "0f9d6c1e-5b7a-4c1e-9a51-2f3b4c5d6e7f",
      username: "ada",
      email: "ada@example.com",
      name: "Ada Lovelace",
      role: "user",
      emailVerified: true,
      twoFactorEnabled: false,
      createdAt: "2026-11-29T12:00:00.000Z",
    },
  });

export const publicUserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    name: z.string(),
    createdAt: z.string(),
  })
  .meta({
    id: "PublicUser",
    example: {
      id: "0f9d6c1e-5b7a-4c1e-9a51-2f3b4c5d6e7f",
      username: "ada",
      name: "Ada Lovelace",
      createdAt: "2026-11-29T12:00:00.000Z",
    },
  });

export const tokenPairSchema = z
  .object({
    accessToken: z.string(),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number(),
    refreshToken: z.string(),
    refreshExpiresIn: z.number(),
    /** Only after a login with a recovery code: how many the account has left. */
    recoveryCodesRemaining: z.number().int().optional(),
  })
  .meta({
    id: "TokenPair",
    example: {
      accessToken: "eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
      tokenType: "Bearer",
      expiresIn: 900,
      refreshToken: "rt_5m3Kq…",
      refreshExpiresIn: 2592000,
    },
  });

/** A right password for an account with two-factor login: the second step's token. */
export const mfaChallengeSchema = z
  .object({
    mfaRequired: z.literal(true),
    mfaToken: z.string(),
    expiresIn: z.number(),
  })
  .meta({
    id: "MfaChallenge",
    example: {
      mfaRequired: true,
      mfaToken: "Qm9vdHN0cmFwcGluZyBhIHNlY29uZCBmYWN0b3IgbG9n",
      expiresIn: 300,
    },
  });

/** What a password login answers: tokens, or the second step. */
export const loginResultSchema = z.union([tokenPairSchema, mfaChallengeSchema]);

export const twoFactorSetupSchema = z
  .object({
    secret: z.string(),
    otpauthUri: z.string(),
    qrSvg: z.string(),
  })
  .meta({
    id: "TwoFactorSetup",
    example: {
      secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
      otpauthUri:
        "otpauth://totp/Warden:ada?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Warden&algorithm=SHA1&digits=6&period=30",
      qrSvg: '<svg xmlns="http://www.w3.org/2000/svg" …</svg>',
    },
  });

export const recoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()) }).meta({
  id: "RecoveryCodes",
  example: { recoveryCodes: ["k3p9-x2m4-q8rt", "…"] },
});

export const sessionSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean(),
  })
  .meta({
    id: "Session",
    example: {
      id: "7c2e0b9a-1d4f-4e8b-b6a3-9f0e1d2c3b4a",
      createdAt: "2026-11-29T12:00:00.000Z",
      lastUsedAt: "2026-11-29T12:15:00.000Z",
      userAgent: "curl/8.5.0",
      ip: "203.0.113.7",
      current: true,
    },
  });

export const postSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    content: z.string(),
    published: z.boolean(),
    ownerId: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({
    id: "Post",
    example: {
      id: "3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
      title: "Hello",
      content: "My first post.",
      published: true,
      ownerId: "0f9d6c1e-5b7a-4c1e-9a51-2f3b4c5d6e7f",
      createdAt: "2026-11-29T12:00:00.000Z",
      updatedAt: "2026-11-29T12:00:00.000Z",
    },
  });

export const auditEventSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    kind: z.string(),
    userId: z.string().optional(),
    clientId: z.string().optional(),
    ip: z.string().optional(),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .meta({
    id: "AuditEvent",
    example: {
      id: "000000000042",
      at: "2026-11-29T12:00:00.000Z",
      kind: "login.succeeded",
      userId: "0f9d6c1e-5b7a-4c1e-9a51-2f3b4c5d6e7f",
      ip: "203.0.113.7",
      detail: { requestId: "req-1" },
    },
  });

export const okSchema = z.object({ ok: z.literal(true) });

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
