import { createManualClock, describeEachDatabase, totpCodeAt } from "@warden/auth-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { type MailCatcher, startMailCatcher } from "../testing/mail-catcher.js";
import {
  distinctClient,
  postForm,
  registerAdmin,
  registerAndLogin,
  startTestServer,
  type TestServer,
  type TokenPairBody,
  trpc,
} from "../testing/test-server.js";

interface Setup {
  secret: string;
  otpauthUri: string;
  qrSvg: string;
}
interface MfaChallenge {
  mfaRequired: true;
  mfaToken: string;
  expiresIn: number;
}
type LoginAnswer = TokenPairBody | MfaChallenge;

describeEachDatabase("two-factor login (TOTP)", (current) => {
  let server: TestServer;
  // The server's time: a test moves it to the next 30-second step instead of sleeping.
  const clock = createManualClock(new Date());
  /** The code an authenticator app shows now (or `steps` steps later). */
  const codeFor = (secret: string, steps = 0) =>
    totpCodeAt(secret, new Date(clock.now().getTime() + steps * 30_000));
  /** A code no app shows now: the right code of a step far away. */
  const wrongCodeFor = (secret: string) => codeFor(secret, 100);

  let mail: MailCatcher;

  beforeAll(async () => {
    mail = await startMailCatcher();
    server = await startTestServer(
      current(),
      { REGISTER_RATE_LIMIT: "off", TRUST_PROXY: "1", SMTP_URL: mail.smtpUrl },
      createLogger("silent"),
      clock,
    );
  });
  afterAll(async () => {
    await server?.close();
    await mail?.close();
  });

  const login = (username: string, password: string, headers: Record<string, string> = {}) =>
    trpc<LoginAnswer>(server, "auth.login", { input: { username, password }, headers });
  const verifyMfa = (
    input: { mfaToken: string; code?: string; recoveryCode?: string },
    headers: Record<string, string> = {},
  ) =>
    trpc<TokenPairBody & { recoveryCodesRemaining?: number }>(server, "auth.verifyMfa", {
      input,
      headers,
    });
  const me = (token: string) =>
    trpc<{ id: string; twoFactorEnabled: boolean }>(server, "users.me", { query: true, token });

  /** A fresh account with two-factor login on: its secret, recovery codes and a token from before. */
  async function enrolled() {
    const { user, tokens, password } = await registerAndLogin(server);
    const setup = await trpc<Setup>(server, "users.totp.setup", { token: tokens.accessToken });
    if (!setup.data) throw new Error(`setup failed: ${setup.raw}`);
    const enabled = await trpc<{ recoveryCodes: string[] }>(server, "users.totp.enable", {
      token: tokens.accessToken,
      input: { code: codeFor(setup.data.secret) },
    });
    if (!enabled.data) throw new Error(`enable failed: ${enabled.raw}`);
    // The enabling code's step is used: later logins need a later one.
    clock.advance(30);
    return {
      user,
      password,
      accessToken: tokens.accessToken,
      secret: setup.data.secret,
      recoveryCodes: enabled.data.recoveryCodes,
    };
  }

  async function mfaTokenOf(username: string, password: string, headers = {}) {
    const answer = await login(username, password, headers);
    expect(answer.status, answer.raw).toBe(200);
    const challenge = answer.data as MfaChallenge;
    expect(challenge.mfaRequired).toBe(true);
    return challenge.mfaToken;
  }

  describe("enrolment", () => {
    it("setup shows a secret, its otpauth URI and a QR code; only a right code turns it on, with 10 recovery codes", async () => {
      const { user, tokens } = await registerAndLogin(server);
      const setup = await trpc<Setup>(server, "users.totp.setup", { token: tokens.accessToken });
      expect(setup.status, setup.raw).toBe(200);
      const { secret, otpauthUri, qrSvg } = setup.data as Setup;
      expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits, base32
      const uri = new URL(otpauthUri);
      expect(uri.protocol).toBe("otpauth:");
      expect(uri.host).toBe("totp");
      expect(decodeURIComponent(uri.pathname)).toBe(`/Warden:${user.username}`);
      expect(uri.searchParams.get("secret")).toBe(secret);
      expect(uri.searchParams.get("issuer")).toBe("Warden");
      expect(qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
      // Nothing is on yet.
      expect((await me(tokens.accessToken)).data?.twoFactorEnabled).toBe(false);
      expect((await login(user.username, "tangerine-orbit-47")).data).toHaveProperty("accessToken");

      const wrong = await trpc(server, "users.totp.enable", {
        token: tokens.accessToken,
        input: { code: wrongCodeFor(secret) },
      });
      expect(wrong.status).toBe(400);
      expect(wrong.error?.data.code).toBe("BAD_REQUEST");
      expect(wrong.error?.message).toMatch(/code is wrong/);
      expect((await me(tokens.accessToken)).data?.twoFactorEnabled).toBe(false);

      const enabled = await trpc<{ recoveryCodes: string[] }>(server, "users.totp.enable", {
        token: tokens.accessToken,
        input: { code: codeFor(secret) },
      });
      expect(enabled.status, enabled.raw).toBe(200);
      const codes = enabled.data?.recoveryCodes ?? [];
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      for (const code of codes) expect(code).toMatch(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
      expect((await me(tokens.accessToken)).data?.twoFactorEnabled).toBe(true);

      // At rest: the secret is encrypted, the recovery codes hashed.
      const db = server.running.deps.warden.database.db;
      const row = await db
        .selectFrom("two_factor")
        .selectAll()
        .where("user_id", "=", user.id)
        .executeTakeFirstOrThrow();
      expect(row.secret).not.toContain(secret);
      const stored = await db
        .selectFrom("recovery_codes")
        .select("code_hash")
        .where("user_id", "=", user.id)
        .execute();
      expect(stored).toHaveLength(10);
      for (const { code_hash } of stored)
        for (const code of codes) expect(code_hash).not.toContain(code);

      const events = await server.running.deps.warden.audit.list({
        limit: 10,
        userId: user.id,
        kind: "two_factor.enabled",
      });
      expect(events.items).toHaveLength(1);
      clock.advance(30);
    });

    it("while it is on, a new setup is refused: a stolen access token cannot swap the authenticator", async () => {
      const account = await enrolled();
      const again = await trpc(server, "users.totp.setup", { token: account.accessToken });
      expect(again.status).toBe(409);
      expect(again.error?.message).toMatch(/already on: turn it off first/);
      // The working secret and the recovery codes are untouched.
      const done = await verifyMfa({
        mfaToken: await mfaTokenOf(account.user.username, account.password),
        code: codeFor(account.secret),
      });
      expect(done.status, done.raw).toBe(200);
    });

    it("enabling ends every other session (opened with the password alone) and mails the owner; secrets are never cached", async () => {
      const { user, tokens, password } = await registerAndLogin(server);
      const other = await login(user.username, password);
      const otherPair = other.data as TokenPairBody;
      const setup = await fetch(`${server.url}/api/users/me/totp/setup`, {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.accessToken}` },
      });
      expect(setup.headers.get("cache-control")).toBe("no-store");
      const { secret } = (await setup.json()) as Setup;
      const enabled = await trpc<{ recoveryCodes: string[] }>(server, "users.totp.enable", {
        token: tokens.accessToken,
        input: { code: codeFor(secret) },
      });
      expect(enabled.status).toBe(200);
      expect(enabled.headers.get("cache-control")).toBe("no-store");
      expect((await me(tokens.accessToken)).status).toBe(200);
      expect((await me(otherPair.accessToken)).status).toBe(401);
      const refresh = await trpc(server, "auth.refresh", {
        input: { refreshToken: otherPair.refreshToken },
      });
      expect(refresh.status).toBe(401);
      const notice = await mail.waitForMail(`${user.username}@example.com`, {
        subject: /Two-factor login is on/,
      });
      expect(notice.text).toMatch(/every other session has ended/);
      expect(notice.text).not.toContain(secret);
      clock.advance(30);
    });

    it("a pending secret never replaces a working one, even if it got past setup's check", async () => {
      const account = await enrolled();
      // As if a setup had checked "not enabled" just before the owner's enable committed.
      const raced = await server.running.deps.warden.twoFactor.setup(account.user.id);
      const swap = await trpc(server, "users.totp.enable", {
        token: account.accessToken,
        input: { code: codeFor(raced.secret) },
      });
      expect(swap.status).toBe(409);
      expect(swap.error?.message).toMatch(/already on/);
      const done = await verifyMfa({
        mfaToken: await mfaTokenOf(account.user.username, account.password),
        code: codeFor(account.secret),
      });
      expect(done.status, done.raw).toBe(200);
    });

    it("enable without a setup is refused", async () => {
      const { tokens } = await registerAndLogin(server);
      const early = await trpc(server, "users.totp.enable", {
        token: tokens.accessToken,
        input: { code: "123456" },
      });
      expect(early.status).toBe(409);
      expect(early.error?.message).toMatch(/start the setup first/);
    });

    it("a service token cannot set up two-factor login", async () => {
      const admin = await registerAdmin(server);
      const client = await trpc<{ clientId: string; clientSecret: string }>(
        server,
        "admin.clients.create",
        { token: admin.accessToken, input: { name: "svc", scopes: ["users:read"] } },
      );
      const grant = await postForm(server, "/oauth/token", {
        grant_type: "client_credentials",
        client_id: client.data?.clientId ?? "",
        client_secret: client.data?.clientSecret ?? "",
      });
      const setup = await trpc(server, "users.totp.setup", {
        token: String(grant.body.access_token),
      });
      expect(setup.status).toBe(403);
    });
  });

  describe("login through tRPC", () => {
    it("a right password answers the second step, not tokens; a right code completes it once", async () => {
      const account = await enrolled();
      const answer = await login(account.user.username, account.password);
      expect(answer.status).toBe(200);
      expect(answer.data).toEqual({
        mfaRequired: true,
        mfaToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        expiresIn: 300,
      });
      expect(answer.raw).not.toMatch(/accessToken|refreshToken/);
      const { mfaToken } = answer.data as MfaChallenge;

      const done = await verifyMfa({ mfaToken, code: codeFor(account.secret) });
      expect(done.status, done.raw).toBe(200);
      expect(done.data?.tokenType).toBe("Bearer");
      expect(done.data).not.toHaveProperty("recoveryCodesRemaining");
      expect((await me(done.data?.accessToken ?? "")).data?.id).toBe(account.user.id);

      // The step token is used up.
      const again = await verifyMfa({ mfaToken, code: codeFor(account.secret, 1) });
      // 401, not 400: a client tells "ask for the password again" from "ask for the code again".
      expect(again.status).toBe(401);
      expect(again.error?.data.code).toBe("UNAUTHORIZED");
      expect(again.error?.message).toMatch(/log in again/);
    });

    it("a code is accepted once: replayed in a new login, it is refused; the next step's code works", async () => {
      const account = await enrolled();
      const code = codeFor(account.secret);
      const first = await verifyMfa({
        mfaToken: await mfaTokenOf(account.user.username, account.password),
        code,
      });
      expect(first.status).toBe(200);
      const mfaToken = await mfaTokenOf(account.user.username, account.password);
      const replay = await verifyMfa({ mfaToken, code });
      expect(replay.status).toBe(400);
      expect(replay.error?.message).toMatch(/code is wrong, expired or already used/);
      // A wrong code leaves the step open: the next code, from the next step, completes it.
      clock.advance(30);
      const next = await verifyMfa({ mfaToken, code: codeFor(account.secret) });
      expect(next.status, next.raw).toBe(200);
    });

    it("of two parallel uses of one right code, exactly one logs in", async () => {
      const account = await enrolled();
      const tokens = await Promise.all([
        mfaTokenOf(account.user.username, account.password),
        mfaTokenOf(account.user.username, account.password),
      ]);
      const code = codeFor(account.secret);
      const answers = await Promise.all(tokens.map((mfaToken) => verifyMfa({ mfaToken, code })));
      expect(
        answers.map((answer) => answer.status).filter((status) => status === 200),
      ).toHaveLength(1);
    });

    it("the step expires after 5 minutes; input with both or neither kind of code is refused", async () => {
      const account = await enrolled();
      const mfaToken = await mfaTokenOf(account.user.username, account.password);
      const both = await verifyMfa({
        mfaToken,
        code: codeFor(account.secret),
        recoveryCode: account.recoveryCodes[0] as string,
      });
      expect(both.status).toBe(400);
      expect(both.error?.data.fieldErrors?.code).toEqual(["send either code or recoveryCode"]);
      const neither = await verifyMfa({ mfaToken });
      expect(neither.status).toBe(400);
      clock.advance(301);
      const late = await verifyMfa({ mfaToken, code: codeFor(account.secret) });
      expect(late.status).toBe(401);
      expect(late.error?.message).toMatch(/expired or was already completed/);
    });
  });

  describe("recovery codes", () => {
    it("a recovery code logs in once and says how many are left; regenerating kills the old ones", async () => {
      const account = await enrolled();
      const [first, second] = account.recoveryCodes as [string, string];
      const done = await verifyMfa({
        mfaToken: await mfaTokenOf(account.user.username, account.password),
        // As a person types it from paper: upper case, spaces.
        recoveryCode: ` ${first.toUpperCase()} `,
      });
      expect(done.status, done.raw).toBe(200);
      expect(done.data?.recoveryCodesRemaining).toBe(9);
      const reused = await verifyMfa({
        mfaToken: await mfaTokenOf(account.user.username, account.password),
        recoveryCode: first,
      });
      expect(reused.status).toBe(400);
      const audit = await server.running.deps.warden.audit.list({
        limit: 10,
        userId: account.user.id,
        kind: "two_factor.recovery_code_used",
      });
      expect(audit.items.map((event) => event.detail.recoveryCodesRemaining)).toEqual([9]);

      const token = done.data?.accessToken ?? "";
      const refused = await trpc(server, "users.totp.regenerateRecoveryCodes", {
        token,
        input: { code: wrongCodeFor(account.secret) },
      });
      expect(refused.status).toBe(400);
      const regenerated = await trpc<{ recoveryCodes: string[] }>(
        server,
        "users.totp.regenerateRecoveryCodes",
        { token, input: { code: codeFor(account.secret) } },
      );
      expect(regenerated.status, regenerated.raw).toBe(200);
      expect(regenerated.data?.recoveryCodes).toHaveLength(10);
      const old = await verifyMfa({
        mfaToken: await mfaTokenOf(account.user.username, account.password),
        recoveryCode: second,
      });
      expect(old.status).toBe(400);
      const fresh = await verifyMfa({
        mfaToken: await mfaTokenOf(account.user.username, account.password),
        recoveryCode: regenerated.data?.recoveryCodes[0] as string,
      });
      expect(fresh.status).toBe(200);
      expect(fresh.data?.recoveryCodesRemaining).toBe(9);
    });
  });

  describe("lockout", () => {
    it("wrong codes count toward the account's lock; a right password does not reset the count; a completed login does", async () => {
      const account = await enrolled();
      const { username } = account.user;
      const wrong = async (headers: Record<string, string>) =>
        verifyMfa(
          {
            mfaToken: await mfaTokenOf(username, account.password, headers),
            code: wrongCodeFor(account.secret),
          },
          headers,
        );
      // Nine wrong codes, each after a right password, from ever new addresses.
      for (let i = 0; i < 9; i += 1) expect((await wrong(distinctClient())).status).toBe(400);
      // A completed login clears them.
      const cleared = await verifyMfa({
        mfaToken: await mfaTokenOf(username, account.password, distinctClient()),
        code: codeFor(account.secret),
      });
      expect(cleared.status).toBe(200);
      clock.advance(30);
      for (let i = 0; i < 9; i += 1) expect((await wrong(distinctClient())).status).toBe(400);
      // The tenth wrong code locks the account, whoever types it, password and code right or not.
      expect((await wrong(distinctClient())).status).toBe(400);
      const locked = await login(username, account.password, distinctClient());
      expect(locked.status).toBe(429);
      expect(locked.headers.get("retry-after")).toMatch(/^\d+$/);
      const events = await server.running.deps.warden.audit.list({
        limit: 5,
        userId: account.user.id,
        kind: "login.locked",
      });
      expect(events.items).toHaveLength(1);
      // Every wrong code came after the right password: the owner learns it is known.
      const notice = await mail.waitForMail(`${username}@example.com`, {
        subject: /Someone knows your password/,
      });
      expect(notice.text).toMatch(/change your password now/);
    });

    it("a password reset does not lift a lock that wrong codes set (the mailbox alone buys no new guesses)", async () => {
      const account = await enrolled();
      for (let i = 0; i < 10; i += 1) {
        const answer = await verifyMfa(
          {
            mfaToken: await mfaTokenOf(account.user.username, account.password, distinctClient()),
            code: wrongCodeFor(account.secret),
          },
          distinctClient(),
        );
        expect(answer.status).toBe(400);
      }
      const token = await server.running.deps.warden.oneTimeTokens.issue(
        account.user.id,
        "reset_password",
        3600,
      );
      const reset = await trpc(server, "auth.resetPassword", {
        input: { token, newPassword: "a-brand-new-pass-7" },
      });
      expect(reset.status, reset.raw).toBe(200);
      const locked = await login(account.user.username, "a-brand-new-pass-7", distinctClient());
      expect(locked.status).toBe(429);
    });

    it("wrong codes at disable and at regenerate count too", async () => {
      const account = await enrolled();
      for (let i = 0; i < 10; i += 1) {
        const answer = await trpc(server, "users.totp.disable", {
          token: account.accessToken,
          input: { currentPassword: account.password, code: wrongCodeFor(account.secret) },
          headers: distinctClient(),
        });
        expect(answer.status).toBe(400);
      }
      const locked = await trpc(server, "users.totp.disable", {
        token: account.accessToken,
        input: { currentPassword: account.password, code: codeFor(account.secret) },
        headers: distinctClient(),
      });
      expect(locked.status).toBe(429);
      expect((await me(account.accessToken)).data?.twoFactorEnabled).toBe(true);
    });
  });

  describe("disable and admin reset", () => {
    it("disable needs the password and a code (or a recovery code); then a password alone logs in", async () => {
      const account = await enrolled();
      const wrongPassword = await trpc(server, "users.totp.disable", {
        token: account.accessToken,
        input: { currentPassword: "not-the-password-1", code: codeFor(account.secret) },
      });
      expect(wrongPassword.status).toBe(400);
      expect(wrongPassword.error?.data.fieldErrors).toHaveProperty("currentPassword");
      const off = await trpc<{ twoFactorEnabled: boolean }>(server, "users.totp.disable", {
        token: account.accessToken,
        input: { currentPassword: account.password, code: account.recoveryCodes[3] as string },
      });
      expect(off.status, off.raw).toBe(200);
      expect(off.data?.twoFactorEnabled).toBe(false);
      expect((await login(account.user.username, account.password)).data).toHaveProperty(
        "accessToken",
      );
      const again = await trpc(server, "users.totp.disable", {
        token: account.accessToken,
        input: { currentPassword: account.password, code: codeFor(account.secret) },
      });
      expect(again.status).toBe(409);
    });

    it("an admin's reset turns it off and ends the user's sessions; only admins may", async () => {
      const account = await enrolled();
      const nobody = await trpc(server, "admin.users.resetTwoFactor", {
        token: account.accessToken,
        input: { id: account.user.id },
      });
      expect(nobody.status).toBe(403);
      const admin = await registerAdmin(server);
      const reset = await trpc<{ twoFactorEnabled: boolean }>(
        server,
        "admin.users.resetTwoFactor",
        {
          token: admin.accessToken,
          input: { id: account.user.id },
        },
      );
      expect(reset.status, reset.raw).toBe(200);
      expect(reset.data?.twoFactorEnabled).toBe(false);
      expect((await me(account.accessToken)).status).toBe(401);
      const after = await login(account.user.username, account.password);
      expect(after.data).toHaveProperty("accessToken");
      const events = await server.running.deps.warden.audit.list({
        limit: 5,
        userId: account.user.id,
        kind: "two_factor.reset",
      });
      expect(events.items[0]?.detail).toMatchObject({ by: admin.user.id, sessionsEnded: 1 });
      const twice = await trpc(server, "admin.users.resetTwoFactor", {
        token: admin.accessToken,
        input: { id: account.user.id },
      });
      expect(twice.status).toBe(409);
    });
  });

  describe("REST and OAuth", () => {
    const rest = async (path: string, body: unknown, token?: string) => {
      const response = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      return {
        status: response.status,
        type: response.headers.get("content-type"),
        body: (await response.json()) as Record<string, unknown>,
      };
    };

    it("REST: enrolment, the login's two steps and a problem for a wrong code", async () => {
      const { user, tokens, password } = await registerAndLogin(server);
      const setup = await rest("/api/users/me/totp/setup", undefined, tokens.accessToken);
      expect(setup.status).toBe(200);
      const secret = String(setup.body.secret);
      const enabled = await rest(
        "/api/users/me/totp/enable",
        { code: codeFor(secret) },
        tokens.accessToken,
      );
      expect(enabled.status).toBe(200);
      expect(enabled.body.recoveryCodes).toHaveLength(10);
      clock.advance(30);

      const first = await rest("/api/auth/login", { username: user.username, password });
      expect(first.status).toBe(200);
      expect(first.body.mfaRequired).toBe(true);
      const wrong = await rest("/api/auth/verify-mfa", {
        mfaToken: first.body.mfaToken,
        code: wrongCodeFor(secret),
      });
      expect(wrong.status).toBe(400);
      expect(wrong.type).toMatch(/^application\/problem\+json/);
      expect(wrong.body).toMatchObject({ status: 400, code: "BAD_REQUEST" });
      const done = await rest("/api/auth/verify-mfa", {
        mfaToken: first.body.mfaToken,
        code: codeFor(secret),
      });
      expect(done.status).toBe(200);
      expect(done.body.tokenType).toBe("Bearer");
    });

    it("OAuth: the password grant answers mfa_required with an mfa_token; the MFA grant completes it with otp or recovery_code", async () => {
      const account = await enrolled();
      const password = await postForm(server, "/oauth/token", {
        grant_type: "password",
        username: account.user.username,
        password: account.password,
      });
      expect(password.status).toBe(400);
      expect(password.headers.get("cache-control")).toBe("no-store");
      expect(password.body).toMatchObject({ error: "mfa_required", expires_in: 300 });
      expect(password.body).not.toHaveProperty("access_token");
      const mfaToken = String(password.body.mfa_token);

      const grant = "urn:warden:params:oauth:grant-type:mfa-otp";
      const wrong = await postForm(server, "/oauth/token", {
        grant_type: grant,
        mfa_token: mfaToken,
        otp: wrongCodeFor(account.secret),
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error).toBe("invalid_grant");
      const neither = await postForm(server, "/oauth/token", {
        grant_type: grant,
        mfa_token: mfaToken,
      });
      expect(neither.body.error).toBe("invalid_request");
      const done = await postForm(server, "/oauth/token", {
        grant_type: grant,
        mfa_token: mfaToken,
        otp: codeFor(account.secret),
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.body).toMatchObject({ token_type: "Bearer" });
      expect((await me(String(done.body.access_token))).data?.id).toBe(account.user.id);

      const again = await postForm(server, "/oauth/token", {
        grant_type: "password",
        username: account.user.username,
        password: account.password,
      });
      const byRecovery = await postForm(server, "/oauth/token", {
        grant_type: grant,
        mfa_token: String(again.body.mfa_token),
        recovery_code: account.recoveryCodes[0] as string,
      });
      expect(byRecovery.status).toBe(200);
      expect(byRecovery.body.recovery_codes_remaining).toBe(9);

      const metadata = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
      expect(
        ((await metadata.json()) as { grant_types_supported: string[] }).grant_types_supported,
      ).toContain(grant);
    });
  });
});
