import { Validator } from "@seriousme/openapi-schema-validator";
import { createManualClock, describeEachDatabase, totpCodeAt } from "@warden/auth-core/testing";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { linkIn, type MailCatcher, startMailCatcher } from "../testing/mail-catcher.js";
import { registerAdmin, startTestServer, type TestServer } from "../testing/test-server.js";

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}
interface Operation {
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

/** One call the test makes: an operation of the document, with what fills its path. */
interface Call {
  readonly operation: `${"GET" | "POST" | "PUT" | "PATCH" | "DELETE"} ${string}`;
  readonly path?: string;
  readonly token?: string;
  readonly json?: unknown;
  readonly form?: Record<string, string>;
  readonly headers?: Record<string, string>;
}

/** RFC 6901: a JSON pointer segment escapes "~" and "/". */
const pointer = (segment: string) => segment.replace(/~/g, "~0").replace(/\//g, "~1");

describeEachDatabase("/openapi.json", (current) => {
  let server: TestServer;
  let mail: MailCatcher;
  let document: OpenApiDocument;
  const clock = createManualClock(new Date());
  let ajv: Ajv2020;
  /** Which operations answered 2xx, as the document describes them. */
  const succeeded = new Set<string>();

  beforeAll(async () => {
    mail = await startMailCatcher();
    server = await startTestServer(
      current(),
      { REGISTER_RATE_LIMIT: "off", SMTP_URL: mail.smtpUrl },
      createLogger("silent"),
      clock,
    );
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApiDocument;
    // The document's own schemas check the answers: OpenAPI 3.1's are JSON Schema 2020-12.
    ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema(document, "openapi.json");
  });
  afterAll(async () => {
    await server?.close();
    await mail?.close();
  });

  /** Makes the call, and checks that its status, media type and body are as the document says. */
  async function call(spec: Call): Promise<{ status: number; body: Record<string, unknown> }> {
    const [method, template] = spec.operation.split(" ") as [string, string];
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.token) headers.authorization = `Bearer ${spec.token}`;
    let body: string | undefined;
    if (spec.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(spec.json);
    } else if (spec.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(spec.form).toString();
    }
    const response = await fetch(`${server.url}${spec.path ?? template}`, {
      method,
      headers,
      body,
    });
    const text = await response.text();
    const label = `${spec.operation} → ${response.status}`;

    const operation = document.paths[template]?.[method.toLowerCase()];
    expect(operation, `${spec.operation} is in the document`).toBeDefined();
    const described = operation?.responses[String(response.status)];
    expect(described, `${label} is a documented status (${text.slice(0, 200)})`).toBeDefined();
    const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const mediaTypes = Object.keys(described?.content ?? {});
    if (mediaTypes.length > 0) {
      const contentType = response.headers.get("content-type") ?? "";
      const mediaType = mediaTypes.find((type) => contentType.startsWith(type));
      expect(mediaType, `${label} is sent as ${mediaTypes.join(" or ")}`).toBeDefined();
      const schemaRef = [
        "openapi.json#",
        "paths",
        pointer(template),
        method.toLowerCase(),
        "responses",
        String(response.status),
        "content",
        pointer(mediaType ?? ""),
        "schema",
      ].join("/");
      const valid = ajv.validate({ $ref: schemaRef }, parsed);
      expect(valid, `${label}: ${ajv.errorsText(ajv.errors)} in ${text.slice(0, 300)}`).toBe(true);
    }
    if (response.status < 300) succeeded.add(spec.operation);
    return { status: response.status, body: parsed };
  }

  it("is a valid OpenAPI 3.1 document, with both security schemes", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(document.components.securitySchemes).toMatchObject({
      bearerAuth: { type: "http", scheme: "bearer" },
      oauth2: {
        type: "oauth2",
        flows: {
          password: { tokenUrl: "http://warden.test/oauth/token" },
          clientCredentials: { tokenUrl: "http://warden.test/oauth/token" },
        },
      },
    });
  });

  it("describes what every route answers: each operation is called, and each answer matches", async () => {
    const password = "tangerine-orbit-47";
    const username = `doc_${Math.random().toString(36).slice(2, 8)}`;
    const registered = await call({
      operation: "POST /api/auth/register",
      json: { username, email: `${username}@example.com`, name: "Doc Reader", password },
    });
    const userId = registered.body.id as string;
    const login = async () =>
      (await call({ operation: "POST /api/auth/login", json: { username, password } })).body as {
        accessToken: string;
        refreshToken: string;
      };
    const first = await login();
    const token = first.accessToken;

    await call({ operation: "GET /api/health" });
    await call({ operation: "GET /api/hello/{name}", path: "/api/hello/Ada" });
    await call({ operation: "GET /api/auth/verify", token });
    await call({ operation: "GET /api/users/me", token });
    await call({ operation: "GET /api/users/{id}", path: `/api/users/${userId}`, token });
    await call({ operation: "GET /api/users/{id}", path: "/api/users/nobody", token });

    const post = await call({
      operation: "POST /api/posts",
      token,
      json: { title: "Documented", content: "as described" },
    });
    const postId = post.body.id as string;
    await call({ operation: "GET /api/posts", path: "/api/posts?limit=5", token });
    await call({ operation: "GET /api/posts/{id}", path: `/api/posts/${postId}`, token });
    await call({
      operation: "PATCH /api/posts/{id}",
      path: `/api/posts/${postId}`,
      token,
      json: { published: true },
    });
    await call({ operation: "POST /api/posts", token, json: { title: "" } });
    await call({ operation: "DELETE /api/posts/{id}", path: `/api/posts/${postId}`, token });
    await call({ operation: "DELETE /api/posts/{id}", path: `/api/posts/${postId}`, token });

    const second = await login();
    await call({
      operation: "POST /api/auth/refresh",
      json: { refreshToken: second.refreshToken },
    });
    const sessions = await call({ operation: "GET /api/sessions", token });
    const other = (sessions.body as unknown as { id: string; current: boolean }[]).find(
      (session) => !session.current,
    );
    await call({
      operation: "DELETE /api/sessions/{id}",
      path: `/api/sessions/${other?.id}`,
      token,
    });
    await login();
    await call({ operation: "DELETE /api/sessions", token });
    await call({
      operation: "POST /api/users/me/password",
      token,
      json: { currentPassword: password, newPassword: "another-long-pass-9" },
    });

    const admin = (await registerAdmin(server)).accessToken;
    await call({
      operation: "GET /api/admin/users",
      path: "/api/admin/users?limit=2",
      token: admin,
    });
    await call({ operation: "GET /api/admin/users", token });
    await call({
      operation: "PUT /api/admin/users/{id}/role",
      path: `/api/admin/users/${userId}/role`,
      token: admin,
      json: { role: "user" },
    });
    await call({
      operation: "PUT /api/admin/users/{id}/disabled",
      path: `/api/admin/users/${userId}/disabled`,
      token: admin,
      json: { disabled: false },
    });
    const client = await call({
      operation: "POST /api/admin/clients",
      token: admin,
      json: { name: "documented", scopes: ["users:read"] },
    });
    await call({ operation: "GET /api/admin/clients", token: admin });
    await call({
      operation: "GET /api/admin/audit",
      path: "/api/admin/audit?limit=3",
      token: admin,
    });

    // The OAuth endpoints, described by hand, are held to their description too.
    const oauth = await call({
      operation: "POST /oauth/token",
      form: { grant_type: "password", username, password: "another-long-pass-9" },
    });
    await call({
      operation: "POST /oauth/token",
      form: { grant_type: "password", username, password: "wrong-password-00" },
    });
    const basic = `Basic ${Buffer.from(`${client.body.clientId}:${client.body.clientSecret}`).toString("base64")}`;
    await call({
      operation: "POST /oauth/token",
      form: { grant_type: "client_credentials" },
      headers: { authorization: basic },
    });
    await call({
      operation: "POST /oauth/introspect",
      form: { token: oauth.body.access_token as string },
      headers: { authorization: basic },
    });
    await call({ operation: "POST /oauth/introspect", form: { token: "x" } });
    await call({
      operation: "POST /oauth/revoke",
      form: { token: oauth.body.refresh_token as string },
    });
    await call({
      operation: "DELETE /api/admin/clients/{clientId}",
      path: `/api/admin/clients/${client.body.clientId}`,
      token: admin,
    });
    // Account recovery (#15): links' tokens are issued as the mails would carry them.
    const { oneTimeTokens } = server.running.deps.warden;
    const second2 = (await login2()).accessToken;
    await call({ operation: "PATCH /api/users/me", token: second2, json: { name: "Doc Writer" } });
    await call({ operation: "POST /api/auth/resend-verification", token: second2 });
    await call({
      operation: "POST /api/auth/verify-email",
      json: {
        token: await oneTimeTokens.issue(userId, "verify_email", 3600, `${username}@example.com`),
      },
    });
    await call({ operation: "POST /api/auth/resend-verification", token: second2 });
    await call({ operation: "POST /api/auth/verify-email", json: { token: "x".repeat(43) } });
    await call({
      operation: "POST /api/auth/request-password-reset",
      json: { email: `${username}@example.com` },
    });
    // The link from the mail the request sent (it is made in the background, after the answer).
    const resetMail = await mail.waitForMail(`${username}@example.com`, { subject: /reset/i });
    await call({
      operation: "POST /api/auth/reset-password",
      json: {
        token: linkIn(resetMail, "/account/reset-password").token,
        newPassword: "another-long-pass-9",
      },
    });
    const third = (await login2()).accessToken;
    await call({
      operation: "POST /api/users/me/email",
      token: third,
      json: { newEmail: `${username}.new@example.com`, currentPassword: "another-long-pass-9" },
    });
    await call({ operation: "POST /api/auth/logout", token: third });

    // Two-factor login (#16): each TOTP use takes a later step than the last (the server's clock moves, no sleep).
    const totp = (await login2()).accessToken;
    const setup = await call({ operation: "POST /api/users/me/totp/setup", token: totp });
    const secret = setup.body.secret as string;
    const stepAway = (steps: number) => {
      clock.advance(30);
      return totpCodeAt(secret, new Date(clock.now().getTime() + steps * 30_000));
    };
    await call({
      operation: "POST /api/users/me/totp/enable",
      token: totp,
      json: { code: stepAway(-1) },
    });
    await call({ operation: "POST /api/users/me/totp/enable", token: totp, json: { code: "x" } });
    const challenge = await call({
      operation: "POST /api/auth/login",
      json: { username, password: "another-long-pass-9" },
    });
    const verified = await call({
      operation: "POST /api/auth/verify-mfa",
      json: { mfaToken: challenge.body.mfaToken, code: stepAway(0) },
    });
    const regenerated = await call({
      operation: "POST /api/users/me/totp/regenerate-recovery-codes",
      token: verified.body.accessToken as string,
      json: { code: stepAway(1) },
    });
    const mfaRequired = await call({
      operation: "POST /oauth/token",
      form: { grant_type: "password", username, password: "another-long-pass-9" },
    });
    expect(mfaRequired.body.error).toBe("mfa_required");
    await call({
      operation: "POST /oauth/token",
      form: {
        grant_type: "urn:warden:params:oauth:grant-type:mfa-otp",
        mfa_token: mfaRequired.body.mfa_token as string,
        otp: "000000",
      },
    });
    await call({
      operation: "POST /api/users/me/totp/disable",
      token: totp,
      json: {
        currentPassword: "another-long-pass-9",
        code: (regenerated.body.recoveryCodes as string[])[0],
      },
    });
    const again = (await login2()).accessToken;
    const newPhone = await call({ operation: "POST /api/users/me/totp/setup", token: again });
    await call({
      operation: "POST /api/users/me/totp/enable",
      token: again,
      json: { code: totpCodeAt(newPhone.body.secret as string, clock.now()) },
    });
    await call({
      operation: "POST /api/admin/users/{id}/reset-two-factor",
      path: `/api/admin/users/${userId}/reset-two-factor`,
      token: admin,
    });

    const doomed = await call({
      operation: "POST /api/auth/register",
      json: {
        username: `${username}_x`,
        email: `${username}_x@example.com`,
        name: "Doomed",
        password,
      },
    });
    await call({
      operation: "DELETE /api/admin/users/{id}",
      path: `/api/admin/users/${doomed.body.id}`,
      token: admin,
    });
    await call({
      operation: "POST /api/users/delete-account",
      token: (await login2()).accessToken,
      json: { currentPassword: "another-long-pass-9" },
    });

    async function login2() {
      return (
        await call({
          operation: "POST /api/auth/login",
          json: { username, password: "another-long-pass-9" },
        })
      ).body as { accessToken: string };
    }

    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect([...succeeded].sort()).toEqual([...documented].sort());
  });

  it("describes the refusal every protected route gives without a token", async () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!operation.security || !path.startsWith("/api/")) continue;
        const concrete = path.replace(/\{\w+\}/g, "x");
        const json = ["post", "put", "patch"].includes(method) ? {} : undefined;
        const refused = await call({
          operation: `${method.toUpperCase() as "GET"} ${path}`,
          path: concrete,
          json,
        });
        expect(refused.status, `${method} ${path}`).toBe(401);
      }
    }
  });
});
