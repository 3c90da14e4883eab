import { AuthError } from "@warden/auth-core";
import { userAccessTokenClaimsSchema } from "@warden/auth-core/schemas";
import { z } from "zod";
import {
  credentialsSchema,
  passwordSchema,
  registrationSchema,
  twoFactorCodeSchema,
} from "../schemas/inputs.js";
import { loginResultSchema, okSchema, tokenPairSchema, userSchema } from "../schemas/outputs.js";
import { protectedProcedure, publicProcedure, router } from "../trpc.js";

const refreshTokenSchema = z
  .string()
  .min(1, "must not be empty")
  .max(512, "must be at most 512 characters");

/** A token from a mailed link: 43 base64url characters when genuine; bounded so junk costs nothing. */
const linkTokenSchema = z
  .string()
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters");

export const authRouter = router({
  register: publicProcedure
    .meta({
      createsResource: true,
      openapi: {
        method: "POST",
        path: "/api/auth/register",
        errorResponses: {
          400: "Invalid input",
          409: "The username or email is taken",
          429: "Too many registrations from this address",
          503: "The database is unreachable",
        },
        tags: ["auth"],
        summary: "Create an account",
        protect: false,
      },
    })
    .input(
      registrationSchema.meta({
        examples: [
          {
            username: "ada",
            email: "ada@example.com",
            name: "Ada Lovelace",
            password: "correct horse battery staple",
          },
        ],
      }),
    )
    .output(userSchema)
    .mutation(({ ctx, input }) => ctx.deps.useCases.register(input, ctx.request)),

  login: publicProcedure
    .meta({
      sendsCredentials: true,
      openapi: {
        method: "POST",
        path: "/api/auth/login",
        errorResponses: {
          400: "Invalid input",
          401: "Wrong username or password",
          403: "The email address is not verified (REQUIRE_VERIFIED_EMAIL); a new link is mailed",
          429: "Too many failed attempts: the account or address is locked for a while",
          503: "The database is unreachable, or too many logins are waiting",
        },
        tags: ["auth"],
        summary:
          "Log in with a username or email and a password: an access and a refresh token, or, for an account with two-factor login, the token of the second step (auth.verifyMfa)",
        protect: false,
      },
    })
    .input(
      credentialsSchema.meta({
        examples: [{ username: "ada", password: "correct horse battery staple" }],
      }),
    )
    .output(loginResultSchema)
    .mutation(async ({ ctx, input }) => {
      const login = await ctx.deps.useCases.logInWithPassword(input, ctx.request);
      return login.mfaRequired
        ? { mfaRequired: true as const, mfaToken: login.mfaToken, expiresIn: login.expiresIn }
        : login.tokens;
    }),

  verifyMfa: publicProcedure
    .meta({
      sendsCredentials: true,
      openapi: {
        method: "POST",
        path: "/api/auth/verify-mfa",
        errorResponses: {
          400: "Invalid input, or a wrong or used code (ask for the code again)",
          401: "The login step expired or was completed (log in again with the password)",
          429: "Too many wrong passwords or codes: the account is locked for a while",
          503: "The database is unreachable",
        },
        tags: ["auth"],
        summary:
          "Complete a login with two-factor login: the mfaToken from auth.login and a code from the app (or a recovery code)",
        protect: false,
      },
    })
    .input(
      z
        .object({
          mfaToken: linkTokenSchema,
          code: twoFactorCodeSchema.optional(),
          recoveryCode: twoFactorCodeSchema.optional(),
        })
        .refine((input) => (input.code === undefined) !== (input.recoveryCode === undefined), {
          message: "send either code or recoveryCode",
          path: ["code"],
        })
        .meta({
          examples: [{ mfaToken: "Qm9vdHN0cmFwcGluZyBhIHNlY29uZCBmYWN0b3IgbG9n", code: "123456" }],
        }),
    )
    .output(tokenPairSchema)
    .mutation(async ({ ctx, input }) => {
      const { mfaToken, code, recoveryCode } = input;
      const login = await ctx.deps.useCases.logInWithSecondFactor(
        recoveryCode === undefined ? { mfaToken, code: code ?? "" } : { mfaToken, recoveryCode },
        ctx.request,
      );
      return login.recoveryCodesRemaining === undefined
        ? login.tokens
        : { ...login.tokens, recoveryCodesRemaining: login.recoveryCodesRemaining };
    }),

  refresh: publicProcedure
    .meta({
      sendsCredentials: true,
      openapi: {
        method: "POST",
        path: "/api/auth/refresh",
        errorResponses: {
          400: "Invalid input",
          401: "The refresh token is not valid (used, revoked or expired)",
          503: "The database is unreachable",
        },
        tags: ["auth"],
        summary: "Trade a refresh token for a new pair (the old refresh token dies)",
        protect: false,
      },
    })
    .input(z.object({ refreshToken: refreshTokenSchema }))
    .output(tokenPairSchema)
    .mutation(
      async ({ ctx, input }) =>
        (await ctx.deps.useCases.refreshTokens(input.refreshToken, ctx.request)).tokens,
    ),

  logout: protectedProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/auth/logout",
        tags: ["auth"],
        summary: "End the session of the access token (its access token stops working at once)",
      },
    })
    .input(z.object({ refreshToken: refreshTokenSchema.optional() }).optional())
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.useCases.logOut(ctx.auth, { refreshToken: input?.refreshToken }, ctx.request);
      return { ok: true as const };
    }),

  verifyEmail: publicProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/auth/verify-email",
        errorResponses: {
          400: "The link is not valid: used, replaced by a newer one, or expired",
          409: "Another account took the new address meanwhile",
          503: "The database is unreachable",
        },
        tags: ["auth"],
        summary:
          "Confirm an email address from the link mailed to it (a new account's, or a change)",
        protect: false,
      },
    })
    .input(z.object({ token: linkTokenSchema }))
    .output(z.object({ ok: z.literal(true), email: z.string() }))
    .mutation(async ({ ctx, input }) => ({
      ok: true as const,
      ...(await ctx.deps.useCases.verifyEmail(input.token, ctx.request)),
    })),

  resendVerification: protectedProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/auth/resend-verification",
        errorResponses: {
          401: "No valid access token",
          403: "A service token",
          409: "The address is already verified",
          412: "This server sends no mail",
          429: "Three mails in 15 minutes already",
          503: "The mail could not be sent, or the database is unreachable",
        },
        tags: ["auth"],
        summary: "Mail a new verification link (the old one dies); 3 per 15 minutes",
      },
    })
    .output(okSchema)
    .mutation(async ({ ctx }) => {
      await ctx.deps.useCases.resendVerification(ctx.auth, ctx.request);
      return { ok: true as const };
    }),

  requestPasswordReset: publicProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/auth/request-password-reset",
        errorResponses: {
          400: "Invalid input",
          412: "This server sends no mail",
          429: "Too many requests for this address or from this network",
          503: "The database is unreachable",
        },
        tags: ["auth"],
        summary:
          "Mail a password-reset link if an account has this address (the answer is the same either way)",
        protect: false,
      },
    })
    .input(z.object({ email: z.string().max(254, "must be at most 254 characters") }))
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.useCases.requestPasswordReset(input, ctx.request);
      return { ok: true as const };
    }),

  resetPassword: publicProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/api/auth/reset-password",
        errorResponses: {
          400: "The link is not valid, or the new password is refused",
          503: "The database is unreachable",
        },
        tags: ["auth"],
        summary: "Set a new password from a reset link; every session of the account ends",
        protect: false,
      },
    })
    .input(z.object({ token: linkTokenSchema, newPassword: passwordSchema }))
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.deps.useCases.resetPassword(input, ctx.request);
      return { ok: true as const };
    }),

  verify: protectedProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/api/auth/verify",
        tags: ["auth"],
        summary: "Check an access token: its user and claims",
      },
    })
    .output(
      z.object({
        valid: z.literal(true),
        user: userSchema,
        claims: userAccessTokenClaimsSchema,
      }),
    )
    .query(async ({ ctx }) => {
      const user = await ctx.deps.userRows.findById(ctx.auth.userId);
      if (!user) throw new AuthError("INVALID_TOKEN", { message: "the account no longer exists" });
      return { valid: true as const, user, claims: ctx.auth.claims };
    }),
});
