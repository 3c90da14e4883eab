import { describeEachDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkIn, type MailCatcher, startMailCatcher } from "../testing/mail-catcher.js";
import {
  distinctClient,
  postForm,
  registerAdmin,
  startTestServer,
  type TestServer,
  type TokenPairBody,
  trpc,
} from "../testing/test-server.js";

interface Me {
  id: string;
  username: string;
  email: string;
  name: string;
  emailVerified: boolean;
}

const PASSWORD = "tangerine-orbit-47";
let counter = 0;
/** A fresh username and address per call; each test's accounts are its own. */
function fresh(prefix = "acct") {
  counter += 1;
  const username = `${prefix}${counter}_${Math.random().toString(36).slice(2, 7)}`;
  return { username, email: `${username}@example.com`, name: `Name ${username}` };
}

/** The link in the next mail to `to` whose subject matches. */
async function nextLink(
  mail: MailCatcher,
  to: string,
  subject: RegExp,
  path: "/account/verify-email" | "/account/reset-password",
) {
  return linkIn(await mail.waitForMail(to, { subject }), path);
}

describeEachDatabase("account recovery, with real mail", (current) => {
  let mail: MailCatcher;
  let server: TestServer;

  beforeAll(async () => {
    mail = await startMailCatcher();
    server = await startTestServer(current(), {
      SMTP_URL: mail.smtpUrl,
      REGISTER_RATE_LIMIT: "off",
      TRUST_PROXY: "1",
    });
  });
  afterAll(async () => {
    await server?.close();
    await mail?.close();
  });

  async function register(identity = fresh(), headers = distinctClient()) {
    const registered = await trpc<Me>(server, "auth.register", {
      input: { ...identity, password: PASSWORD },
      headers,
    });
    expect(registered.status, registered.raw).toBe(200);
    return { ...identity, id: (registered.data as Me).id, headers };
  }
  async function login(username: string, password = PASSWORD, headers = distinctClient()) {
    return trpc<TokenPairBody>(server, "auth.login", { input: { username, password }, headers });
  }
  async function token(username: string, password = PASSWORD) {
    const result = await login(username, password);
    expect(result.status, result.raw).toBe(200);
    return (result.data as TokenPairBody).accessToken;
  }
  /** Asks for a reset of `email` from a fresh address, and the link the mail brings. */
  async function resetLinkFor(email: string) {
    await trpc(server, "auth.requestPasswordReset", {
      input: { email },
      headers: distinctClient(),
    });
    return nextLink(mail, email, /reset/i, "/account/reset-password");
  }
  const me = async (accessToken: string) =>
    trpc<Me>(server, "users.me", { query: true, token: accessToken });

  describe("email verification", () => {
    it("registration mails a link; the link verifies the address once", async () => {
      const account = await register();
      const mailed = await mail.waitForMail(account.email, { subject: /verify/i });
      expect(mailed.text).toMatch(/expires in 24 hours/);
      expect(mailed.text).toMatch(/If you did not create an account/);
      expect(mailed.html).toContain("/account/verify-email?token=");
      const { token: link } = linkIn(mailed, "/account/verify-email");
      const accessToken = await token(account.username);
      expect((await me(accessToken)).data?.emailVerified).toBe(false);

      const verified = await trpc<{ ok: true; email: string }>(server, "auth.verifyEmail", {
        input: { token: link },
      });
      expect(verified.data).toEqual({ ok: true, email: account.email });
      expect((await me(accessToken)).data?.emailVerified).toBe(true);

      const again = await trpc(server, "auth.verifyEmail", { input: { token: link } });
      expect(again.status).toBe(400);
      expect(again.error?.message).toMatch(/not valid/);
      const resend = await trpc(server, "auth.resendVerification", { token: accessToken });
      expect(resend.status).toBe(409);
    });

    it("resend mails a new link, kills the old, and is limited to 3 per 15 minutes", async () => {
      const account = await register();
      const first = await nextLink(mail, account.email, /verify/i, "/account/verify-email");
      const accessToken = await token(account.username);
      for (let i = 0; i < 3; i++) {
        const resent = await trpc(server, "auth.resendVerification", { token: accessToken });
        expect(resent.status, resent.raw).toBe(200);
      }
      const limited = await trpc(server, "auth.resendVerification", { token: accessToken });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);

      const mails = [];
      for (let i = 0; i < 3; i++) mails.push(await mail.waitForMail(account.email));
      const last = linkIn(mails[2] as (typeof mails)[0], "/account/verify-email");
      expect(
        (await trpc(server, "auth.verifyEmail", { input: { token: first.token } })).status,
      ).toBe(400);
      expect(
        (await trpc(server, "auth.verifyEmail", { input: { token: last.token } })).status,
      ).toBe(200);
    });

    it("a junk, reset-purpose or empty token verifies nothing", async () => {
      const account = await register();
      await mail.waitForMail(account.email, { subject: /verify/i });
      await trpc(server, "auth.requestPasswordReset", {
        input: { email: account.email },
        headers: distinctClient(),
      });
      const reset = await nextLink(mail, account.email, /reset/i, "/account/reset-password");
      for (const junk of [reset.token, "x".repeat(43), "", "a b"]) {
        const refused = await trpc(server, "auth.verifyEmail", { input: { token: junk } });
        expect(refused.status, junk).toBe(400);
      }
      // The reset link survived the attempt to use it for something else.
      const used = await trpc(server, "auth.resetPassword", {
        input: { token: reset.token, newPassword: "another-long-pass-9" },
      });
      expect(used.status, used.raw).toBe(200);
    });
  });

  describe("password reset", () => {
    it("answers the same for a registered and an unknown address, and mails only the first", async () => {
      const account = await register();
      const unknown = `nobody_${Math.random().toString(36).slice(2)}@example.com`;
      const known = await trpc(server, "auth.requestPasswordReset", {
        input: { email: account.email.toUpperCase() },
        headers: distinctClient(),
      });
      const missing = await trpc(server, "auth.requestPasswordReset", {
        input: { email: unknown },
        headers: distinctClient(),
      });
      expect(known.status).toBe(200);
      expect(missing.status).toBe(200);
      expect(missing.raw).toBe(known.raw);
      const resetMail = await mail.waitForMail(account.email, { subject: /reset/i });
      expect(resetMail.text).toMatch(/expires in 1 hour/);
      await expect(mail.waitForMail(unknown, { timeoutMs: 500 })).rejects.toThrow();
    });

    it("sets the new password, ends every session, and the link dies with its use", async () => {
      const account = await register();
      const before = await token(account.username);
      const { token: link } = await resetLinkFor(account.email);

      const weak = await trpc(server, "auth.resetPassword", {
        input: { token: link, newPassword: "short" },
      });
      expect(weak.status).toBe(400);
      expect(weak.error?.data.fieldErrors?.newPassword).toBeDefined();

      const reset = await trpc(server, "auth.resetPassword", {
        input: { token: link, newPassword: "another-long-pass-9" },
      });
      expect(reset.status, reset.raw).toBe(200);
      expect((await me(before)).status).toBe(401);
      expect((await login(account.username)).status).toBe(401);
      expect((await login(account.username, "another-long-pass-9")).status).toBe(200);
      const notice = await mail.waitForMail(account.email, { subject: /password was changed/i });
      expect(notice.text).toMatch(/If this wasn't you/);

      const reused = await trpc(server, "auth.resetPassword", {
        input: { token: link, newPassword: "third-long-pass-77" },
      });
      expect(reused.status).toBe(400);
    });

    it("a newer request, or a password change, kills the link", async () => {
      const account = await register();
      const ask = () =>
        trpc(server, "auth.requestPasswordReset", {
          input: { email: account.email },
          headers: distinctClient(),
        });
      await ask();
      const older = await nextLink(mail, account.email, /reset/i, "/account/reset-password");
      await ask();
      const newer = await nextLink(mail, account.email, /reset/i, "/account/reset-password");
      const tryLink = (link: string) =>
        trpc(server, "auth.resetPassword", {
          input: { token: link, newPassword: "another-long-pass-9" },
        });
      expect((await tryLink(older.token)).status).toBe(400);

      const accessToken = await token(account.username);
      const changed = await trpc(server, "users.changePassword", {
        token: accessToken,
        input: { currentPassword: PASSWORD, newPassword: "changed-long-pass-8" },
      });
      expect(changed.status, changed.raw).toBe(200);
      expect((await tryLink(newer.token)).status).toBe(400);
    });

    it("unlocks an account that wrong passwords locked", async () => {
      const account = await register();
      for (let i = 0; i < 10; i++) await login(account.username, "wrong-password-00");
      expect((await login(account.username)).status).toBe(429);
      const { token: link } = await resetLinkFor(account.email);
      const reset = await trpc(server, "auth.resetPassword", {
        input: { token: link, newPassword: "another-long-pass-9" },
      });
      expect(reset.status, reset.raw).toBe(200);
      expect((await login(account.username, "another-long-pass-9")).status).toBe(200);
    });

    it("is limited to 3 requests per address in 15 minutes, whatever its case", async () => {
      const account = await register();
      const ask = (email: string) =>
        trpc(server, "auth.requestPasswordReset", { input: { email }, headers: distinctClient() });
      expect((await ask(account.email)).status).toBe(200);
      expect((await ask(account.email.toUpperCase())).status).toBe(200);
      expect((await ask(` ${account.email}`.trim())).status).toBe(200);
      const limited = await ask(account.email);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    });

    it("is limited to 30 requests per network in 15 minutes", async () => {
      const headers = distinctClient();
      for (let i = 0; i < 30; i++) {
        const asked = await trpc(server, "auth.requestPasswordReset", {
          input: { email: `someone${i}_${counter}@example.com` },
          headers,
        });
        expect(asked.status).toBe(200);
      }
      const limited = await trpc(server, "auth.requestPasswordReset", {
        input: { email: "one-more@example.com" },
        headers,
      });
      expect(limited.status).toBe(429);
    });
  });

  describe("profile, email change and deletion", () => {
    it("changes the display name", async () => {
      const account = await register();
      const accessToken = await token(account.username);
      const updated = await trpc<Me>(server, "users.updateProfile", {
        token: accessToken,
        input: { name: "  Ada Byron  " },
      });
      expect(updated.data?.name).toBe("Ada Byron");
      const empty = await trpc(server, "users.updateProfile", {
        token: accessToken,
        input: { name: "   " },
      });
      expect(empty.status).toBe(400);
      expect((await me(accessToken)).data?.name).toBe("Ada Byron");
    });

    it("moves the account to a new address only when the link mailed there is opened", async () => {
      const account = await register();
      const accessToken = await token(account.username);
      const target = fresh("moved").email;

      const wrong = await trpc(server, "users.changeEmail", {
        token: accessToken,
        input: { newEmail: target, currentPassword: "wrong-password-00" },
      });
      expect(wrong.status).toBe(400);
      expect(wrong.error?.data.fieldErrors?.currentPassword).toBeDefined();

      const asked = await trpc(server, "users.changeEmail", {
        token: accessToken,
        input: { newEmail: target, currentPassword: PASSWORD },
      });
      expect(asked.status, asked.raw).toBe(200);
      const notice = await mail.waitForMail(account.email, { subject: /being changed/i });
      expect(notice.text).toContain(target);
      const confirm = await nextLink(mail, target, /confirm/i, "/account/verify-email");
      expect((await me(accessToken)).data?.email).toBe(account.email);

      const confirmed = await trpc(server, "auth.verifyEmail", { input: { token: confirm.token } });
      expect(confirmed.data).toEqual({ ok: true, email: target });
      const after = (await me(accessToken)).data;
      expect(after).toMatchObject({ email: target, emailVerified: true });
      // The old address is free again; logging in by the new one works.
      expect((await login(target)).status).toBe(200);
      await register({ ...fresh(), email: account.email });
    });

    it("a password change or reset kills a pending email change", async () => {
      const account = await register();
      const accessToken = await token(account.username);
      const target = fresh("hijack").email;
      await trpc(server, "users.changeEmail", {
        token: accessToken,
        input: { newEmail: target, currentPassword: PASSWORD },
      });
      const confirm = await nextLink(mail, target, /confirm/i, "/account/verify-email");
      const changed = await trpc(server, "users.changePassword", {
        token: accessToken,
        input: { currentPassword: PASSWORD, newPassword: "changed-long-pass-8" },
      });
      expect(changed.status, changed.raw).toBe(200);
      const late = await trpc(server, "auth.verifyEmail", { input: { token: confirm.token } });
      expect(late.status).toBe(400);
      expect((await me(accessToken)).data?.email).toBe(account.email);
    });

    it("refuses a taken address, and checks again when the link is opened", async () => {
      const account = await register();
      const other = await register();
      const accessToken = await token(account.username);
      const taken = await trpc(server, "users.changeEmail", {
        token: accessToken,
        input: { newEmail: other.email.toUpperCase(), currentPassword: PASSWORD },
      });
      expect(taken.status).toBe(409);

      const target = fresh("race").email;
      await trpc(server, "users.changeEmail", {
        token: accessToken,
        input: { newEmail: target, currentPassword: PASSWORD },
      });
      const confirm = await nextLink(mail, target, /confirm/i, "/account/verify-email");
      // Someone registers the address before the link is opened.
      await register({ ...fresh(), email: target });
      const late = await trpc(server, "auth.verifyEmail", { input: { token: confirm.token } });
      expect(late.status).toBe(409);
      expect((await me(accessToken)).data?.email).toBe(account.email);
    });

    it("a verification link mailed to an old address does not verify the new one", async () => {
      const account = await register();
      const oldLink = await nextLink(mail, account.email, /verify/i, "/account/verify-email");
      const accessToken = await token(account.username);
      const target = fresh("next").email;
      await trpc(server, "users.changeEmail", {
        token: accessToken,
        input: { newEmail: target, currentPassword: PASSWORD },
      });
      const confirm = await nextLink(mail, target, /confirm/i, "/account/verify-email");
      expect(
        (await trpc(server, "auth.verifyEmail", { input: { token: confirm.token } })).status,
      ).toBe(200);
      // The account is verified at its new address by the confirmation; the old link proves nothing now.
      await trpc(server, "auth.resendVerification", { token: accessToken });
      expect(
        (await trpc(server, "auth.verifyEmail", { input: { token: oldLink.token } })).status,
      ).toBe(400);
    });

    it("deletes the account, its sessions and posts; its name and address are free at once", async () => {
      const account = await register();
      const accessToken = await token(account.username);
      const post = await trpc<{ id: string }>(server, "posts.create", {
        token: accessToken,
        input: { title: "mine", content: "soon gone" },
      });
      expect(post.status).toBe(200);

      const wrong = await trpc(server, "users.deleteAccount", {
        token: accessToken,
        input: { currentPassword: "wrong-password-00" },
      });
      expect(wrong.status).toBe(400);

      const deleted = await trpc(server, "users.deleteAccount", {
        token: accessToken,
        input: { currentPassword: PASSWORD },
      });
      expect(deleted.status, deleted.raw).toBe(200);
      expect((await me(accessToken)).status).toBe(401);
      expect((await login(account.username)).status).toBe(401);
      await mail.waitForMail(account.email, { subject: /deleted/i });

      const { warden } = server.running.deps;
      expect(await warden.users.findById(account.id)).toBeNull();
      const posts = await warden.database.db
        .selectFrom("posts")
        .select("id")
        .where("owner_id", "=", account.id)
        .execute();
      expect(posts).toEqual([]);
      const events = await warden.database.db
        .selectFrom("audit_events")
        .selectAll()
        .where("user_id", "=", account.id)
        .execute();
      expect(events.map((event) => event.kind)).toContain("account.deleted");
      for (const event of events) {
        expect(event.ip).toBeNull();
        expect(event.detail).not.toContain(account.email);
      }
      // The same username and address register again at once.
      await register({ username: account.username, email: account.email, name: "Again" });
    });

    it("the last admin cannot delete themselves; an admin deletes others with the same rules", async () => {
      const admin = await registerAdmin(server);
      const others = await server.running.deps.warden.database.db
        .selectFrom("users")
        .select("id")
        .where("role", "=", "admin")
        .where("id", "!=", admin.user.id)
        .execute();
      // Only this admin may remain for the last-admin rule to bite.
      for (const other of others) await server.running.deps.warden.users.setRole(other.id, "user");

      const selfDelete = await trpc(server, "users.deleteAccount", {
        token: admin.accessToken,
        input: { currentPassword: admin.password },
      });
      expect(selfDelete.status, selfDelete.raw).toBe(409);
      const viaAdmin = await trpc(server, "admin.users.delete", {
        token: admin.accessToken,
        input: { id: admin.user.id },
      });
      expect(viaAdmin.status).toBe(409);

      const account = await register();
      const userToken = await token(account.username);
      const forbidden = await trpc(server, "admin.users.delete", {
        token: userToken,
        input: { id: admin.user.id },
      });
      expect(forbidden.status).toBe(403);
      const removed = await trpc(server, "admin.users.delete", {
        token: admin.accessToken,
        input: { id: account.id },
      });
      expect(removed.status, removed.raw).toBe(200);
      expect((await me(userToken)).status).toBe(401);
      const missing = await trpc(server, "admin.users.delete", {
        token: admin.accessToken,
        input: { id: account.id },
      });
      expect(missing.status).toBe(404);
    });
  });
});

describeEachDatabase("REQUIRE_VERIFIED_EMAIL", (current) => {
  let mail: MailCatcher;
  let server: TestServer;
  beforeAll(async () => {
    mail = await startMailCatcher();
    server = await startTestServer(current(), {
      SMTP_URL: mail.smtpUrl,
      REQUIRE_VERIFIED_EMAIL: "true",
    });
  });
  afterAll(async () => {
    await server?.close();
    await mail?.close();
  });

  it("refuses an unverified account after its password, by every door, until the link is opened", async () => {
    const identity = fresh("unverified");
    await trpc(server, "auth.register", { input: { ...identity, password: PASSWORD } });
    const wrong = await trpc(server, "auth.login", {
      input: { username: identity.username, password: "wrong-password-00" },
    });
    expect(wrong.status).toBe(401);
    const refused = await trpc(server, "auth.login", {
      input: { username: identity.username, password: PASSWORD },
    });
    expect(refused.status).toBe(403);
    expect(refused.error?.message).toMatch(/verify your email/i);
    const grant = await postForm(server, "/oauth/token", {
      grant_type: "password",
      username: identity.username,
      password: PASSWORD,
    });
    expect(grant.status).toBe(400);
    expect(grant.body).toMatchObject({ error: "invalid_grant" });

    // Each refused login (tRPC, then the OAuth grant) mailed a fresh link (the registration's may
    // have expired): the newest works.
    await mail.waitForMail(identity.email, { subject: /verify/i });
    await mail.waitForMail(identity.email, { subject: /verify/i });
    const { token: link } = await nextLink(
      mail,
      identity.email,
      /verify/i,
      "/account/verify-email",
    );
    expect((await trpc(server, "auth.verifyEmail", { input: { token: link } })).status).toBe(200);
    const allowed = await trpc(server, "auth.login", {
      input: { username: identity.username, password: PASSWORD },
    });
    expect(allowed.status).toBe(200);
  });

  it("a password reset proves the address: an unverified owner gets back in", async () => {
    const identity = fresh("resetverified");
    await trpc(server, "auth.register", { input: { ...identity, password: PASSWORD } });
    await mail.waitForMail(identity.email, { subject: /verify/i });
    await trpc(server, "auth.requestPasswordReset", { input: { email: identity.email } });
    const { token: link } = await nextLink(
      mail,
      identity.email,
      /reset/i,
      "/account/reset-password",
    );
    const reset = await trpc(server, "auth.resetPassword", {
      input: { token: link, newPassword: "another-long-pass-9" },
    });
    expect(reset.status, reset.raw).toBe(200);
    const login = await trpc(server, "auth.login", {
      input: { username: identity.username, password: "another-long-pass-9" },
    });
    expect(login.status, login.raw).toBe(200);
  });
});
