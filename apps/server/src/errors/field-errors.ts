import type { AuthError } from "@warden/auth-core";

/** Each bad field with its messages: what a client shows beside each input. */
export type FieldErrors = Record<string, string[]>;

interface IssueLike {
  path: readonly PropertyKey[];
  message: string;
}

function isIssueList(value: unknown): value is IssueLike[] {
  return (
    Array.isArray(value) &&
    value.every(
      (issue) =>
        typeof issue === "object" && issue !== null && "path" in issue && "message" in issue,
    )
  );
}

/** From a zod validation error or an AuthError with field issues; null when the error names no field. */
export function fieldErrorsOf(
  cause: unknown,
  authError: AuthError | undefined,
): FieldErrors | null {
  const issues: { field: string; message: string }[] = [];
  if (authError) issues.push(...authError.issues);
  else if (
    typeof cause === "object" &&
    cause !== null &&
    "issues" in cause &&
    isIssueList(cause.issues)
  ) {
    for (const issue of cause.issues) {
      issues.push({ field: issue.path.map(String).join(".") || "input", message: issue.message });
    }
  }
  if (issues.length === 0) return null;
  const errors: FieldErrors = {};
  for (const { field, message } of issues) {
    errors[field] = [...(errors[field] ?? []), message];
  }
  return errors;
}

export function describeFieldErrors(errors: FieldErrors): string {
  return Object.entries(errors)
    .map(([field, messages]) => `${field}: ${messages.join(", ")}`)
    .join("; ");
}
