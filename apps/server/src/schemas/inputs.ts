import {
  credentialsSchema,
  displayNameSchema,
  emailSchema,
  passwordSchema,
  registrationSchema,
  usernameSchema,
} from "@warden/auth-core";
import { z } from "zod";

export {
  credentialsSchema,
  displayNameSchema,
  emailSchema,
  passwordSchema,
  registrationSchema,
  usernameSchema,
};

/** Opaque ids: bounded so no input can make a query expensive. */
export const idSchema = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters");

/** A code from an authenticator app (6 digits) or a recovery code (xxxx-xxxx-xxxx); bounded so junk costs nothing. */
export const twoFactorCodeSchema = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters");

export const pageInputSchema = z.object({
  limit: z
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(100, "must be at most 100")
    .default(20),
  cursor: z.string().max(512, "must be at most 512 characters").nullish(),
});
