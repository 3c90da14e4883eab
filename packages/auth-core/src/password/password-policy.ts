import { readFileSync } from "node:fs";

export const PASSWORD_MAX_LENGTH = 256;

let commonPasswords: ReadonlySet<string> | undefined;

/** The shipped list (see COMMON-PASSWORDS-SOURCE.md), read on first use. */
function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(
    readFileSync(new URL("./common-passwords.txt", import.meta.url), "utf8")
      .split("\n")
      .filter(Boolean),
  );
  return commonPasswords.has(password.toLowerCase());
}

export interface PasswordPolicyContext {
  readonly minLength: number;
  readonly username?: string | undefined;
  readonly email?: string | undefined;
}

/**
 * Why a new password is refused, or null when it is acceptable. Length counts
 * Unicode code points, not UTF-16 units or bytes.
 */
export function passwordPolicyViolation(
  password: string,
  context: PasswordPolicyContext,
): string | null {
  const length = [...password].length;
  if (length < context.minLength) return `must be at least ${context.minLength} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (isCommonPassword(password)) return "is one of the most common passwords; choose another";
  const lowered = password.toLowerCase();
  if (context.username && lowered.includes(context.username.toLowerCase())) {
    return "must not contain the username";
  }
  const localPart = context.email?.split("@")[0]?.toLowerCase();
  if (localPart && localPart.length >= 3 && lowered.includes(localPart)) {
    return "must not contain the email address";
  }
  return null;
}
