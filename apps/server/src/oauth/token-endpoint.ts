import { credentialsSchema, type LoggedIn, type SecondFactorInput } from "@warden/auth-core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { requestInfoOf, type ServerDeps } from "../context.js";
import { authenticateClient } from "./client-authentication.js";
import { formParameters, required } from "./form-parameters.js";
import { noStore, OAuthError, sendOAuthFailure } from "./oauth-response.js";

/**
 * The grant that completes a password login needing a second factor
 * (Warden's own URN, as RFC 6749 §4.5 allows): `mfa_token` from the
 * `mfa_required` error, and `otp` or `recovery_code`.
 */
export const MFA_OTP_GRANT = "urn:warden:params:oauth:grant-type:mfa-otp";

/** RFC 6749 §5.1 success body. */
interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token?: string;
  scope?: string;
  recovery_codes_remaining?: number;
}

function fromLogin(login: LoggedIn): TokenResponse {
  const pair = login.tokens;
  return {
    access_token: pair.accessToken,
    token_type: "Bearer",
    expires_in: pair.expiresIn,
    refresh_token: pair.refreshToken,
    ...(login.recoveryCodesRemaining === undefined
      ? {}
      : { recovery_codes_remaining: login.recoveryCodesRemaining }),
  };
}

/** The second factor of the MFA grant: exactly one of `otp` and `recovery_code`. */
function secondFactorOf(parameters: Map<string, string>): SecondFactorInput {
  const otp = parameters.get("otp");
  const recoveryCode = parameters.get("recovery_code");
  if ((otp === undefined) === (recoveryCode === undefined))
    throw new OAuthError("invalid_request", "send either otp or recovery_code");
  return otp === undefined ? { recoveryCode: bounded(recoveryCode ?? "") } : { code: bounded(otp) };
}

/** Codes are short: longer input is cut rather than hashed or compared at length. */
function bounded(value: string): string {
  return value.slice(0, 64);
}

/** `POST /oauth/token`: the password (§4.3), refresh_token (§6) and client_credentials (§4.4) grants, and the MFA grant. */
export function registerTokenEndpoint(app: FastifyInstance, deps: ServerDeps): void {
  app.post("/oauth/token", async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const parameters = formParameters(request.headers["content-type"], request.body);
      const grantType = required(parameters, "grant_type");
      const body = await grant(grantType, parameters, request, deps);
      return noStore(reply).send(body);
    } catch (error) {
      return sendOAuthFailure(reply, error);
    }
  });
}

async function grant(
  grantType: string,
  parameters: Map<string, string>,
  request: FastifyRequest,
  deps: ServerDeps,
): Promise<TokenResponse> {
  switch (grantType) {
    case "password": {
      // User tokens carry a role, not scopes: any scope asked for is one we cannot grant.
      if (parameters.has("scope"))
        throw new OAuthError("invalid_scope", "user tokens take no scope");
      const credentials = credentialsSchema.safeParse({
        username: required(parameters, "username"),
        password: required(parameters, "password"),
      });
      if (!credentials.success)
        throw new OAuthError("invalid_request", "username or password is malformed");
      const login = await deps.useCases.logInWithPassword(credentials.data, requestInfoOf(request));
      if (login.mfaRequired)
        throw new OAuthError(
          "mfa_required",
          `a second factor is required: grant_type=${MFA_OTP_GRANT} with mfa_token and otp (or recovery_code)`,
          { extra: { mfa_token: login.mfaToken, expires_in: login.expiresIn } },
        );
      return fromLogin(login);
    }
    case MFA_OTP_GRANT: {
      const mfaToken = bounded(required(parameters, "mfa_token"));
      return fromLogin(
        await deps.useCases.logInWithSecondFactor(
          { mfaToken, ...secondFactorOf(parameters) },
          requestInfoOf(request),
        ),
      );
    }
    case "refresh_token": {
      return fromLogin(
        await deps.useCases.refreshTokens(
          required(parameters, "refresh_token"),
          requestInfoOf(request),
        ),
      );
    }
    case "client_credentials": {
      const client = await authenticateClient(deps, request, parameters);
      const requested = parameters.get("scope")?.split(" ").filter(Boolean);
      const { token, scopes } = await deps.useCases.issueServiceToken(client, requested);
      // §4.4.3: no refresh token; the client simply asks again.
      return {
        access_token: token.token,
        token_type: "Bearer",
        expires_in: token.expiresIn,
        scope: scopes.join(" "),
      };
    }
    default:
      throw new OAuthError(
        "unsupported_grant_type",
        `grant_type "${grantType.slice(0, 40)}" is not supported`,
      );
  }
}
