import { unstorableTextReason } from "@warden/auth-core";
import { OAuthError } from "./oauth-response.js";

/** Parameters whose text is only ever hashed or verified, never stored: any character is allowed. */
const SECRET_PARAMETERS = new Set(["password", "client_secret", "refresh_token", "token"]);

/**
 * The parameters of a form-encoded OAuth request. RFC 6749 §3.1/§3.2: a
 * parameter sent more than once is an invalid_request, and so is any body
 * that is not application/x-www-form-urlencoded.
 */
export function formParameters(
  contentType: string | undefined,
  body: unknown,
): Map<string, string> {
  if (!contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    throw new OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded");
  }
  const parameters = new Map<string, string>();
  if (typeof body !== "object" || body === null) return parameters;
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== "string")
      throw new OAuthError("invalid_request", `"${name}" must be given once`);
    const unstorable = SECRET_PARAMETERS.has(name) ? null : unstorableTextReason(value);
    if (unstorable) throw new OAuthError("invalid_request", `"${name.slice(0, 40)}" ${unstorable}`);
    // RFC 6749 §3.1: parameters sent without a value are treated as omitted.
    if (value !== "") parameters.set(name, value);
  }
  return parameters;
}

export function required(parameters: Map<string, string>, name: string): string {
  const value = parameters.get(name);
  if (value === undefined) throw new OAuthError("invalid_request", `"${name}" is required`);
  if (value.length > 1024) throw new OAuthError("invalid_request", `"${name}" is too long`);
  return value;
}
