import type { oas31, ZodOpenApiPathsObject } from "zod-openapi";
import { MFA_OTP_GRANT } from "../oauth/token-endpoint.js";

/**
 * The OAuth 2.0 endpoints, described by hand: no procedure backs them (they
 * speak RFC 6749's form bodies and error objects, not JSON and problems).
 * What each answers is in oauth/*.ts; the document test calls each as
 * described here.
 */

const oauthError: oas31.ResponseObject = {
  description: "RFC 6749 §5.2 error",
  content: {
    "application/json": {
      schema: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "string",
            examples: ["invalid_grant", "invalid_request", "invalid_client", "mfa_required"],
          },
          error_description: { type: "string" },
          mfa_token: {
            type: "string",
            description:
              "`mfa_required` only: the password was right; send it back with the MFA grant and a code",
          },
          expires_in: {
            type: "integer",
            description: "`mfa_required` only: seconds left for the second step",
          },
        },
      },
      example: { error: "invalid_grant", error_description: "wrong username or password" },
    },
  },
};

const tokenResponse: oas31.ResponseObject = {
  description: "RFC 6749 §5.1 access token response (never cached)",
  content: {
    "application/json": {
      schema: {
        type: "object",
        required: ["access_token", "token_type", "expires_in"],
        properties: {
          access_token: { type: "string", description: "a JWT, sent as `Authorization: Bearer`" },
          token_type: { type: "string", const: "Bearer" },
          expires_in: { type: "integer", description: "seconds" },
          refresh_token: {
            type: "string",
            description: "password and refresh_token grants only; single use",
          },
          scope: { type: "string", description: "client_credentials grant only" },
          recovery_codes_remaining: {
            type: "integer",
            description: "MFA grant with a recovery_code only: the account's codes left",
          },
        },
      },
      example: {
        access_token: "eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
        token_type: "Bearer",
        expires_in: 900,
        refresh_token: "rt_5m3Kq…",
      },
    },
  },
};

const form = (
  properties: Record<string, oas31.SchemaObject>,
  required: string[],
  example: Record<string, string>,
): oas31.RequestBodyObject => ({
  required: true,
  content: {
    "application/x-www-form-urlencoded": {
      schema: { type: "object", properties, required },
      example,
    },
  },
});

export const OAUTH_PATHS: ZodOpenApiPathsObject = {
  "/oauth/token": {
    post: {
      operationId: "oauth-token",
      tags: ["oauth"],
      summary:
        "Get tokens: password, refresh_token or client_credentials grant (RFC 6749), or the MFA grant",
      description:
        "`grant_type=password` with `username` and `password` logs a user in (no client authentication); " +
        "for an account with two-factor login it answers 400 `mfa_required` with an `mfa_token`, which " +
        `\`grant_type=${MFA_OTP_GRANT}\` with \`mfa_token\` and \`otp\` (or \`recovery_code\`) completes; ` +
        "`grant_type=refresh_token` trades a refresh token for a new pair; " +
        "`grant_type=client_credentials` gives a service token to a client authenticated by HTTP Basic or " +
        "`client_id`/`client_secret` in the body, for the scopes it asks for (all of its own by default).",
      requestBody: form(
        {
          grant_type: {
            type: "string",
            enum: ["password", "refresh_token", "client_credentials", MFA_OTP_GRANT],
          },
          username: { type: "string" },
          password: { type: "string", format: "password" },
          mfa_token: { type: "string", description: "MFA grant: from the `mfa_required` error" },
          otp: { type: "string", description: "MFA grant: the code the authenticator app shows" },
          recovery_code: { type: "string", description: "MFA grant: instead of `otp`" },
          refresh_token: { type: "string" },
          client_id: { type: "string" },
          client_secret: { type: "string", format: "password" },
          scope: { type: "string", description: "space-separated; client_credentials only" },
        },
        ["grant_type"],
        { grant_type: "password", username: "ada", password: "correct horse battery staple" },
      ),
      responses: {
        "200": tokenResponse,
        "400": oauthError,
        "401": { ...oauthError, description: "client authentication failed (`invalid_client`)" },
        "429": {
          ...oauthError,
          description: "too many failed attempts; `Retry-After` says when to try again",
        },
        "503": { ...oauthError, description: "`temporarily_unavailable`, with `Retry-After`" },
      },
    },
  },
  "/oauth/revoke": {
    post: {
      operationId: "oauth-revoke",
      tags: ["oauth"],
      summary: "Revoke a refresh token, ending its session (RFC 7009)",
      description: "Answers 200 whether or not the token was valid, as RFC 7009 §2.2 asks.",
      requestBody: form(
        {
          token: { type: "string" },
          token_type_hint: { type: "string", enum: ["refresh_token", "access_token"] },
        },
        ["token"],
        { token: "rt_5m3Kq…", token_type_hint: "refresh_token" },
      ),
      responses: { "200": { description: "revoked, or was not valid" }, "400": oauthError },
    },
  },
  "/oauth/introspect": {
    post: {
      operationId: "oauth-introspect",
      tags: ["oauth"],
      summary: "Whether an access token is live, for a service client (RFC 7662)",
      security: [{ clientBasic: [] }],
      requestBody: form({ token: { type: "string" } }, ["token"], { token: "eyJhbGciOi…" }),
      responses: {
        "200": {
          description: "`{ active: false }` for anything not live; otherwise the token's claims",
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["active"],
                properties: {
                  active: { type: "boolean" },
                  token_type: { type: "string" },
                  sub: { type: "string" },
                  client_id: { type: "string" },
                  iss: { type: "string" },
                  aud: { type: "string" },
                  iat: { type: "integer" },
                  exp: { type: "integer" },
                  jti: { type: "string" },
                  sid: { type: "string", description: "user tokens: the session" },
                  role: { type: "string", description: "user tokens" },
                  scope: { type: "string", description: "service tokens" },
                },
              },
              example: { active: false },
            },
          },
        },
        "401": { ...oauthError, description: "client authentication failed (`invalid_client`)" },
      },
    },
  },
};
