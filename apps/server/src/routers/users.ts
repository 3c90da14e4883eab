import { AuthError, toPublicUser } from "@warden/auth-core";
import { z } from "zod";
import {
  displayNameSchema,
  idSchema,
  passwordSchema,
  twoFactorCodeSchema,
} from "../schemas/inputs.js";
import {
  okSchema,
  publicUserSchema,
  recoveryCodesSchema,
  twoFactorSetupSchema,
  userSchema,
} from "../schemas/outputs.js";
import { protectedProcedure, router, scopedProcedure } from "../trpc.js";

const TOTP_ERRORS = {
  400: "Invalid input, or a wrong or used code",
  401: "No valid access token",
  403: "A service token",
  409: "Two-factor login is not enabled, or no setup is pending",
  429: "Too many wrong passwords or codes",
  503: "The database is unreachable",
} as const;

/** TOTP two-factor login of the caller's own account. */
const totpRouter = router({
  setup: protectedProcedure
    .meta({
      // A secret or recovery codes: never cached.
      sendsCredentials: true,
      openapi: {
        method: "POST",
        path: "/api/users/me/totp/setup",
        errorResponses: {
          401: "No valid access token",
          403: "A service token",
          409: "Two-factor login is already on (turn it off first)",
          412: "This server cannot store TOTP secrets (no WARDEN_KEY_ENCRYPTION_KEY)",
          503: "The database is unreachable",
        },
        tags: ["two-factor"],
        summary:
          "A new TOTP secret, its otpauth:// URI and QR code (SVG); nothing changes until enable",
      },
    })
    .output(twoFactorSetupSchema)
    .mutation(({ ctx }) => ctx.deps.useCases.setUpTwoFactor(ctx.auth)),

  enable: protectedProcedure
    .meta({
      // A secret or recovery codes: never cached.
      sendsCredentials: true,
      openapi: {
        method: "POST",
        path: "/api/users/me/totp/enable",
        errorResponses: TOTP_ERRORS,
        tags: ["two-factor"],
        summary:
          "Turn two-factor login on with a code from the new secret: 10 recovery codes, shown this once",
      },
    })
    .input(z.object({ code: twoFactorCodeSchema }))
    .output(recoveryCodesSchema)
    .mutation(({ ctx, input }) => ctx.deps.useCases.enableTwoFactor(ctx.auth, input, ctx.request)),

  disable: protectedProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/users/me/totp/disable",
        errorResponses: TOTP_ERRORS,
        tags: ["two-factor"],
        summary:
          "Turn two-factor login off, with the password and a code from the app (or a recovery code)",
      },
    })
    .input(z.object({ currentPassword: passwordSchema, code: twoFactorCodeSchema }))
    .output(userSchema)
    .mutation(({ ctx, input }) => ctx.deps.useCases.disableTwoFactor(ctx.auth, input, ctx.request)),

  regenerateRecoveryCodes: protectedProcedure
    .meta({
      // A secret or recovery codes: never cached.
      sendsCredentials: true,
      openapi: {
        method: "POST",
        path: "/api/users/me/totp/regenerate-recovery-codes",
        errorResponses: TOTP_ERRORS,
        tags: ["two-factor"],
        summary: "10 new recovery codes for a code from the app; the old ones stop working",
      },
    })
    .input(z.object({ code: twoFactorCodeSchema }))
    .output(recoveryCodesSchema)
    .mutation(({ ctx, input }) =>
      ctx.deps.useCases.regenerateRecoveryCodes(ctx.auth, input, ctx.request),
    ),
});

export const usersRouter = router({
  totp: totpRouter,

  me: protectedProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/users/me",
        tags: ["users"],
        summary: "The account behind the access token",
      },
    })
    .output(userSchema)
    .query(async ({ ctx }) => {
      const user = await ctx.deps.userRows.findById(ctx.auth.userId);
      if (!user) throw new AuthError("INVALID_TOKEN", { message: "the account no longer exists" });
      return user;
    }),

  byId: scopedProcedure("users:read")
    .meta({
      openapi: {
        method: "GET",
        path: "/api/users/{id}",
        tags: ["users"],
        summary: "A user's public profile (a user token, or a service token with users:read)",
      },
    })
    .input(z.object({ id: idSchema }))
    .output(publicUserSchema)
    .query(async ({ ctx, input }) => {
      const user = await ctx.deps.userRows.findById(input.id);
      if (!user) throw new AuthError("NOT_FOUND", { message: "no such user" });
      return toPublicUser(user);
    }),

  updateProfile: protectedProcedure
    .meta({
      openapi: {
        method: "PATCH",
        path: "/api/users/me",
        tags: ["users"],
        summary: "Change the caller's display name",
        errorResponses: {
          400: "Invalid input",
          401: "No valid access token",
          403: "A service token",
          503: "The database is unreachable",
        },
      },
    })
    .input(z.object({ name: displayNameSchema }))
    .output(userSchema)
    .mutation(({ ctx, input }) => ctx.deps.useCases.updateProfile(ctx.auth, input, ctx.request)),

  changeEmail: protectedProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/users/me/email",
        errorResponses: {
          400: "Invalid input, or a wrong current password",
          401: "No valid access token",
          403: "A service token",
          409: "The address is already registered",
          412: "This server sends no mail",
          429: "Too many wrong passwords",
          503: "The mail could not be sent, or the database is unreachable",
        },
        tags: ["users"],
        summary:
          "Start an email change: a confirmation link goes to the new address, a notice to the old",
      },
    })
    .input(z.object({ newEmail: z.string().max(254), currentPassword: passwordSchema }))
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.useCases.changeEmail(ctx.auth, input, ctx.request);
      return { ok: true as const };
    }),

  deleteAccount: protectedProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/users/delete-account",
        errorResponses: {
          400: "Invalid input, or a wrong current password",
          401: "No valid access token",
          403: "A service token",
          409: "The last admin cannot delete their account",
          429: "Too many wrong passwords",
          503: "The database is unreachable",
        },
        tags: ["users"],
        summary: "Delete the caller's account and posts for good (the last admin cannot)",
      },
    })
    .input(z.object({ currentPassword: passwordSchema }))
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.useCases.deleteAccount(ctx.auth, input, ctx.request);
      return { ok: true as const };
    }),

  changePassword: protectedProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/users/me/password",
        tags: ["users"],
        summary: "Change the password; every other session ends",
      },
    })
    .input(z.object({ currentPassword: passwordSchema, newPassword: passwordSchema }))
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.useCases.changePassword(ctx.auth, input, ctx.request);
      return { ok: true as const };
    }),
});
