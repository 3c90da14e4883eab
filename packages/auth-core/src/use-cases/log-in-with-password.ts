import { AuthError } from "../errors.js";
import { issueTokenPair, type TokenPair } from "../token/token-pair.js";
import type { User } from "../user/user.js";
import type { CredentialsInput } from "../user/user-input.js";
import { type RequestFacts, recordAudit } from "./request-facts.js";
import type { UseCaseDeps } from "./use-case-deps.js";

export interface LoggedIn {
  readonly user: User;
  readonly sessionId: string;
  readonly tokens: TokenPair;
}

/**
 * A password login, throttled and audited: the one path of `auth.login` and
 * the OAuth password grant, so both lock an account alike. Throws
 * TOO_MANY_ATTEMPTS or INVALID_CREDENTIALS (the same for every failure).
 */
export async function logInWithPassword(
  deps: Pick<UseCaseDeps, "users" | "sessions" | "tokens" | "audit" | "throttle">,
  credentials: CredentialsInput,
  request: RequestFacts,
): Promise<LoggedIn> {
  const { throttle } = deps;
  const ip = request.ip ?? "";
  await throttle.check(credentials.username, ip);
  let user: User;
  try {
    user = await deps.users.authenticate(credentials);
  } catch (error) {
    if (error instanceof AuthError && error.code === "INVALID_CREDENTIALS") {
      const { locked } = await throttle.failed(credentials.username, ip);
      const detail = { identifier: credentials.username.slice(0, 254) };
      await recordAudit(deps.audit, request, { kind: "login.failed", detail });
      if (locked) await recordAudit(deps.audit, request, { kind: "login.locked", detail });
    }
    throw error;
  }
  await throttle.succeeded(credentials.username);
  const issued = await deps.sessions.create(user.id, {
    userAgent: request.userAgent ?? null,
    ip: request.ip ?? null,
  });
  const tokens = await issueTokenPair(deps.tokens, user, issued);
  await recordAudit(deps.audit, request, {
    kind: "login.succeeded",
    userId: user.id,
    detail: { sessionId: issued.sessionId },
  });
  return { user, sessionId: issued.sessionId, tokens };
}
