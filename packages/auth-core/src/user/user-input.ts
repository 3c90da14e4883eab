import { z } from "zod";
import { PASSWORD_MAX_LENGTH } from "../password/password-policy.js";

// The CONTRACT's input rules, shared by auth-core's own validation and the
// server's tRPC input schemas so both sides say the same thing.
export const usernameSchema = z
  .string()
  .min(3, "must be at least 3 characters")
  .max(32, "must be at most 32 characters")
  .regex(/^[A-Za-z0-9_.-]+$/, "may contain only letters, digits, '_', '.' and '-'");

export const emailSchema = z
  .string()
  .max(254, "must be at most 254 characters")
  .pipe(z.email("must be a valid email address"));

export const displayNameSchema = z
  .string()
  .refine((name) => name.trim().length > 0, "must not be empty")
  .refine((name) => [...name].length <= 100, "must be at most 100 characters");

/** Shape only; the policy (length floor, common passwords, no username) is checked by the service. */
export const passwordSchema = z
  .string()
  .min(1, "must not be empty")
  .refine(
    (password) => [...password].length <= PASSWORD_MAX_LENGTH,
    `must be at most ${PASSWORD_MAX_LENGTH} characters`,
  );

export const registrationSchema = z.object({
  username: usernameSchema,
  email: emailSchema,
  name: displayNameSchema,
  password: passwordSchema,
});
export type RegistrationInput = z.infer<typeof registrationSchema>;

export const credentialsSchema = z.object({
  username: z.string().min(1, "must not be empty").max(254, "must be at most 254 characters"),
  password: passwordSchema,
});
export type CredentialsInput = z.infer<typeof credentialsSchema>;
