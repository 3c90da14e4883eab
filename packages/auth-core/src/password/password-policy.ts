import { readFileSync } from "node:fs";

export const PASSWORD_MAX_LENGTH = 256;

/** The shipped list of the most common passwords (see COMMON-PASSWORDS-SOURCE.md), lower-cased. */
export function loadCommonPasswords(): ReadonlySet<string> {
  return new Set(
    readFileSync(new URL("./common-passwords.txt", import.meta.url), "utf8")
      .split("\n")
      .filter(Boolean),
  );
}

export interface PasswordPolicy {
  /**
   * Why a new password is refused, or null when it is acceptable. Length
   * counts Unicode code points, not UTF-16 units or bytes.
   */
  violation(
    password: string,
    context?: { readonly username?: string | undefined; readonly email?: string | undefined },
  ): string | null;
}

/**
 * @example
 * const policy = createPasswordPolicy({ minLength: 8, commonPasswords: loadCommonPasswords() });
 * policy.violation("password", { username: "alice" }); // "is one of the most common passwords; …"
 */
export function createPasswordPolicy(options: {
  readonly minLength: number;
  readonly commonPasswords: ReadonlySet<string>;
}): PasswordPolicy {
  const { minLength, commonPasswords } = options;
  return {
    violation(password, context = {}) {
      const length = [...password].length;
      if (length < minLength) return `must be at least ${minLength} characters`;
      if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
      const lowered = password.toLowerCase();
      if (commonPasswords.has(lowered))
        return "is one of the most common passwords; choose another";
      if (context.username && lowered.includes(context.username.toLowerCase())) {
        return "must not contain the username";
      }
      const localPart = context.email?.split("@")[0]?.toLowerCase();
      if (localPart && localPart.length >= 3 && lowered.includes(localPart)) {
        return "must not contain the email address";
      }
      return null;
    },
  };
}
