import type { Client } from "../client/client.js";
import type { CreatedClient } from "../client/client.service.js";
import type { AccessTokenSubject, SignedAccessToken } from "../token/access-token.js";
import type { TwoFactorSetup } from "../two-factor/two-factor.service.js";
import type { Role, User } from "../user/user.js";
import type { CredentialsInput, RegistrationInput } from "../user/user-input.js";
import { createClient, revokeClient } from "./administer-clients.js";
import { setDisabled, setRole } from "./administer-users.js";
import {
  type AuthenticatedUser,
  authenticateAccessToken,
  introspectToken,
} from "./authenticate-access-token.js";
import { authenticateClient } from "./authenticate-client.js";
import { changePassword } from "./change-password.js";
import { changeEmail, resendVerification, verifyEmail } from "./email-verification.js";
import { endOtherSessions, endSession } from "./end-sessions.js";
import { issueServiceToken } from "./issue-service-token.js";
import { type LoggedIn, logInWithPassword, type PasswordLogin } from "./log-in-with-password.js";
import { logInWithSecondFactor } from "./log-in-with-second-factor.js";
import { logOut } from "./log-out.js";
import { deleteAccount, deleteUser, updateProfile } from "./manage-account.js";
import { requestPasswordReset, resetPassword } from "./password-reset.js";
import { refreshTokens } from "./refresh-tokens.js";
import { register } from "./register.js";
import type { AdminActor, RequestFacts } from "./request-facts.js";
import { revokeToken } from "./revoke-token.js";
import type { SecondFactorInput } from "./second-factor.js";
import {
  disableTwoFactor,
  enableTwoFactor,
  regenerateRecoveryCodes,
  resetTwoFactor,
  setUpTwoFactor,
} from "./two-factor.js";
import type { UseCaseDeps } from "./use-case-deps.js";

export type { AuthenticatedUser } from "./authenticate-access-token.js";
export type { LoggedIn, MfaChallenge, PasswordLogin } from "./log-in-with-password.js";
export { MFA_TOKEN_TTL_SECONDS } from "./log-in-with-password.js";
export type { AdminActor, RequestFacts } from "./request-facts.js";
export type { SecondFactorInput } from "./second-factor.js";
export type { AccountRules, UseCaseDeps } from "./use-case-deps.js";

type Caller = Pick<AuthenticatedUser, "userId" | "sessionId">;

/**
 * Everything a user, an admin or a service does, one function each: the
 * checks, the writes, the revocation notice and the audit event. Transports
 * (tRPC, OAuth, the server's command line) translate input, output and
 * errors, and call these.
 */
export interface UseCases {
  register(input: RegistrationInput, request: RequestFacts): Promise<User>;
  logInWithPassword(credentials: CredentialsInput, request: RequestFacts): Promise<PasswordLogin>;
  logInWithSecondFactor(
    input: { mfaToken: string } & SecondFactorInput,
    request: RequestFacts,
  ): Promise<LoggedIn>;
  refreshTokens(refreshToken: string, request: RequestFacts): Promise<LoggedIn>;
  logOut(
    caller: Caller,
    options: { refreshToken?: string | undefined },
    request: RequestFacts,
  ): Promise<void>;
  revokeToken(token: string, request: RequestFacts): Promise<void>;
  endSession(caller: Caller, sessionId: string, request: RequestFacts): Promise<void>;
  endOtherSessions(caller: Caller, request: RequestFacts): Promise<number>;
  changePassword(
    caller: Caller,
    input: { currentPassword: string; newPassword: string },
    request: RequestFacts,
  ): Promise<void>;
  setRole(
    actor: AdminActor,
    input: { id: string; role: Role },
    request: RequestFacts,
  ): Promise<User>;
  setDisabled(
    actor: AdminActor,
    input: { id: string; disabled: boolean },
    request: RequestFacts,
  ): Promise<User>;
  createClient(
    actor: AdminActor,
    input: { name: string; scopes: readonly string[] },
    request: RequestFacts,
  ): Promise<CreatedClient>;
  revokeClient(actor: AdminActor, clientId: string, request: RequestFacts): Promise<void>;
  authenticateClient(
    credentials: { clientId: string; clientSecret: string },
    request: RequestFacts,
  ): Promise<Client>;
  issueServiceToken(
    client: Client,
    requestedScopes: readonly string[] | undefined,
  ): Promise<{ token: SignedAccessToken; scopes: readonly string[] }>;
  authenticateAccessToken(token: string): Promise<AccessTokenSubject>;
  introspectToken(token: string): Promise<AccessTokenSubject | null>;
  verifyEmail(token: string, request: RequestFacts): Promise<{ email: string }>;
  resendVerification(caller: Caller, request: RequestFacts): Promise<void>;
  requestPasswordReset(input: { email: string }, request: RequestFacts): Promise<void>;
  resetPassword(
    input: { token: string; newPassword: string },
    request: RequestFacts,
  ): Promise<void>;
  updateProfile(caller: Caller, input: { name: string }, request: RequestFacts): Promise<User>;
  changeEmail(
    caller: Caller,
    input: { newEmail: string; currentPassword: string },
    request: RequestFacts,
  ): Promise<void>;
  deleteAccount(
    caller: Caller,
    input: { currentPassword: string },
    request: RequestFacts,
  ): Promise<void>;
  deleteUser(actor: AdminActor, input: { id: string }, request: RequestFacts): Promise<void>;
  setUpTwoFactor(caller: Caller): Promise<TwoFactorSetup>;
  enableTwoFactor(
    caller: Caller,
    input: { code: string },
    request: RequestFacts,
  ): Promise<{ recoveryCodes: string[] }>;
  disableTwoFactor(
    caller: Caller,
    input: { currentPassword: string; code: string },
    request: RequestFacts,
  ): Promise<User>;
  regenerateRecoveryCodes(
    caller: Caller,
    input: { code: string },
    request: RequestFacts,
  ): Promise<{ recoveryCodes: string[] }>;
  resetTwoFactor(actor: AdminActor, input: { id: string }, request: RequestFacts): Promise<User>;
}

export function createUseCases(deps: UseCaseDeps): UseCases {
  return {
    register: (input, request) => register(deps, input, request),
    logInWithPassword: (credentials, request) => logInWithPassword(deps, credentials, request),
    logInWithSecondFactor: (input, request) => logInWithSecondFactor(deps, input, request),
    refreshTokens: (refreshToken, request) => refreshTokens(deps, refreshToken, request),
    logOut: (caller, options, request) => logOut(deps, caller, options, request),
    revokeToken: (token, request) => revokeToken(deps, token, request),
    endSession: (caller, sessionId, request) => endSession(deps, caller, sessionId, request),
    endOtherSessions: (caller, request) => endOtherSessions(deps, caller, request),
    changePassword: (caller, input, request) => changePassword(deps, caller, input, request),
    setRole: (actor, input, request) => setRole(deps, actor, input, request),
    setDisabled: (actor, input, request) => setDisabled(deps, actor, input, request),
    createClient: (actor, input, request) => createClient(deps, actor, input, request),
    revokeClient: (actor, clientId, request) => revokeClient(deps, actor, clientId, request),
    authenticateClient: (credentials, request) => authenticateClient(deps, credentials, request),
    issueServiceToken: (client, scopes) => issueServiceToken(deps, client, scopes),
    authenticateAccessToken: (token) => authenticateAccessToken(deps, token),
    introspectToken: (token) => introspectToken(deps, token),
    verifyEmail: (token, request) => verifyEmail(deps, token, request),
    resendVerification: (caller, request) => resendVerification(deps, caller, request),
    requestPasswordReset: (input, request) => requestPasswordReset(deps, input, request),
    resetPassword: (input, request) => resetPassword(deps, input, request),
    updateProfile: (caller, input, request) => updateProfile(deps, caller, input, request),
    changeEmail: (caller, input, request) => changeEmail(deps, caller, input, request),
    deleteAccount: (caller, input, request) => deleteAccount(deps, caller, input, request),
    deleteUser: (actor, input, request) => deleteUser(deps, actor, input, request),
    setUpTwoFactor: (caller) => setUpTwoFactor(deps, caller),
    enableTwoFactor: (caller, input, request) => enableTwoFactor(deps, caller, input, request),
    disableTwoFactor: (caller, input, request) => disableTwoFactor(deps, caller, input, request),
    regenerateRecoveryCodes: (caller, input, request) =>
      regenerateRecoveryCodes(deps, caller, input, request),
    resetTwoFactor: (actor, input, request) => resetTwoFactor(deps, actor, input, request),
  };
}
