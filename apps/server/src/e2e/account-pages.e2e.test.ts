import { describeEachDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoggedTestServer, startLoggedTestServer } from "../testing/logged-test-server.js";
import { registerAndLogin, type TokenPairBody, trpc } from "../testing/test-server.js";

/** One answer of a hosted page, as a browser gets it. */
interface PageResponse {
  status: number;
  headers: Headers;
  text: string;
}

const FORM = "application/x-www-form-urlencoded";
const NEW_PASSWORD = "copper-meadow-lantern-58";

/** What a page shows a person, without tags or entities (for "the page says…" checks). */
function visibleText(page: string): string {
  return page
    .replace(/<[^>]*>/g, " ")
    .replaceAll("&#39;", "'")
    .replaceAll("&quot;", '"')
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&")
    .replace(/\s+/g, " ");
}

/** The value of the form's hidden token field, unescaped. */
function hiddenToken(page: string): string | undefined {
  const match = /<input type="hidden" name="token" value="([^"]*)">/.exec(page);
  return match?.[1]
    ?.replaceAll("&#39;", "'")
    .replaceAll("&quot;", '"')
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

describeEachDatabase("the hosted account pages over HTTP", (current) => {
  let server: LoggedTestServer;

  beforeAll(async () => {
    server = await startLoggedTestServer(current());
  });
  afterAll(async () => {
    await server?.close();
  });

  async function get(path: string, headers: Record<string, string> = {}): Promise<PageResponse> {
    const response = await fetch(`${server.url}${path}`, { headers, redirect: "manual" });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }
  async function post(
    path: string,
    body: Record<string, string> | string,
    contentType = FORM,
  ): Promise<PageResponse> {
    const response = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": contentType },
      body: typeof body === "string" ? body : new URLSearchParams(body).toString(),
      redirect: "manual",
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** A new account and a live link of `purpose` for it, as the mail would carry. */
  async function accountWithLink(purpose: "verify_email" | "reset_password", ttlSeconds = 3600) {
    const account = await registerAndLogin(server);
    const me = await trpc<{ email: string; emailVerified: boolean }>(server, "users.me", {
      query: true,
      token: account.tokens.accessToken,
    });
    const email = me.data?.email as string;
    const token = await server.running.deps.warden.oneTimeTokens.issue(
      account.user.id,
      purpose,
      ttlSeconds,
      purpose === "verify_email" ? email : undefined,
    );
    return { ...account, email, token };
  }
  async function emailVerified(accessToken: string): Promise<boolean | undefined> {
    const me = await trpc<{ emailVerified: boolean }>(server, "users.me", {
      query: true,
      token: accessToken,
    });
    return me.data?.emailVerified;
  }
  async function login(username: string, password: string) {
    return trpc<TokenPairBody>(server, "auth.login", { input: { username, password } });
  }

  describe("GET never uses a link up", () => {
    const ANY_TOKENS = [
      "x",
      "A".repeat(43),
      "not a token at all",
      `"><script>alert(1)</script>`,
      "é😀&amp;",
      "y".repeat(4000),
    ];

    it("answers 200 with the form, the token in a hidden field, whatever the token", async () => {
      for (const path of ["/account/verify-email", "/account/reset-password"]) {
        for (const token of ANY_TOKENS) {
          const page = await get(`${path}?token=${encodeURIComponent(token)}`);
          expect(page.status, `${path} ${token.slice(0, 20)}`).toBe(200);
          expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
          expect(hiddenToken(page.text)).toBe(token);
          // Escaped: the page has no script, whatever the link carried.
          expect(page.text).not.toContain("<script");
          // The form posts back without any query string: the token travels in the body only.
          expect(page.text).toMatch(/<form method="post" action="(verify-email|reset-password)">/);
        }
      }
      const verify = await get(`/account/verify-email?token=${"A".repeat(43)}`);
      expect(verify.text).toContain('<button type="submit">Verify my email address</button>');
      expect(verify.text).toContain('<meta name="viewport"');
      const reset = await get(`/account/reset-password?token=${"A".repeat(43)}`);
      expect(reset.text).toContain('name="newPassword"');
      expect(reset.text).toContain('name="confirmPassword"');
    });

    it("the verification link still works after it was opened several times", async () => {
      const account = await accountWithLink("verify_email");
      for (let opened = 0; opened < 4; opened++) {
        const page = await get(`/account/verify-email?token=${account.token}`);
        expect(page.status).toBe(200);
        expect(hiddenToken(page.text)).toBe(account.token);
        // HEAD, as some scanners send, uses nothing up either.
        const head = await fetch(`${server.url}/account/verify-email?token=${account.token}`, {
          method: "HEAD",
        });
        expect(head.status).toBe(200);
      }
      expect(await emailVerified(account.tokens.accessToken)).toBe(false);

      const done = await post("/account/verify-email", { token: account.token });
      expect(done.status, done.text).toBe(200);
      expect(visibleText(done.text)).toContain(`${account.email} is verified`);
      expect(await emailVerified(account.tokens.accessToken)).toBe(true);
    });

    it("the reset link still works after it was opened several times", async () => {
      const account = await accountWithLink("reset_password");
      for (let opened = 0; opened < 4; opened++) {
        expect((await get(`/account/reset-password?token=${account.token}`)).status).toBe(200);
      }
      const done = await post("/account/reset-password", {
        token: account.token,
        newPassword: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      });
      expect(done.status, done.text).toBe(200);
      expect(visibleText(done.text)).toContain("Your new password is set");
    });

    it("a link without a token answers 400 with a page that says so", async () => {
      for (const path of [
        "/account/verify-email",
        "/account/verify-email?token=",
        "/account/reset-password?token=%20",
        "/account/reset-password?token=a&token=b",
        "/account/verify-email?constructor=1&__proto__=2",
      ]) {
        const page = await get(path);
        expect(page.status, path).toBe(400);
        expect(visibleText(page.text), path).toContain("This link is incomplete");
      }
    });
  });

  describe("POST /account/verify-email", () => {
    it("a used link: a clear page, 400, and the address stays verified", async () => {
      const account = await accountWithLink("verify_email");
      expect((await post("/account/verify-email", { token: account.token })).status).toBe(200);
      const again = await post("/account/verify-email", { token: account.token });
      expect(again.status).toBe(400);
      expect(visibleText(again.text)).toContain("This link does not work");
      expect(visibleText(again.text)).toContain("already used");
      expect(again.text).not.toContain("<form");
      expect(await emailVerified(account.tokens.accessToken)).toBe(true);
    });

    it("an expired link, a garbage one, another purpose's: 400, nothing verified", async () => {
      const expired = await accountWithLink("verify_email", -60);
      const resetLink = await accountWithLink("reset_password");
      for (const token of [
        expired.token,
        resetLink.token,
        "garbage",
        "A".repeat(43),
        "z".repeat(5000),
        `"><img src=x>`,
      ]) {
        const page = await post("/account/verify-email", { token });
        expect(page.status, token.slice(0, 20)).toBe(400);
        expect(visibleText(page.text)).toContain("This link does not work");
        expect(page.text).not.toContain("<img");
      }
      expect(await emailVerified(expired.tokens.accessToken)).toBe(false);
      // The reset link, refused on the wrong page, still works on its own.
      const reset = await post("/account/reset-password", {
        token: resetLink.token,
        newPassword: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      });
      expect(reset.status, reset.text).toBe(200);
    });
  });

  describe("POST /account/reset-password", () => {
    it("sets the password: the new one logs in, the old one and the used link fail", async () => {
      const account = await accountWithLink("reset_password");
      const done = await post("/account/reset-password", {
        token: account.token,
        newPassword: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      });
      expect(done.status, done.text).toBe(200);
      expect(visibleText(done.text)).toContain("Every session of the account was signed out");
      // The passwords are never sent back in a page.
      expect(done.text).not.toContain(NEW_PASSWORD);

      expect((await login(account.user.username, NEW_PASSWORD)).status).toBe(200);
      expect((await login(account.user.username, account.password)).status).toBe(401);
      // The session from before the reset ended with it.
      expect(await emailVerified(account.tokens.accessToken)).toBeUndefined();

      const again = await post("/account/reset-password", {
        token: account.token,
        newPassword: "another-fresh-password-12",
        confirmPassword: "another-fresh-password-12",
      });
      expect(again.status).toBe(400);
      expect(visibleText(again.text)).toContain("This link does not work");
      expect((await login(account.user.username, NEW_PASSWORD)).status).toBe(200);
    });

    it("two different passwords: the form again with a clear message, and the link still works", async () => {
      const account = await accountWithLink("reset_password");
      const page = await post("/account/reset-password", {
        token: account.token,
        newPassword: NEW_PASSWORD,
        confirmPassword: `${NEW_PASSWORD}x`,
      });
      expect(page.status).toBe(400);
      expect(visibleText(page.text)).toContain("The two passwords are not the same");
      expect(hiddenToken(page.text)).toBe(account.token);
      expect(page.text).not.toContain(NEW_PASSWORD);
      // Nothing changed: the old password still logs in.
      expect((await login(account.user.username, account.password)).status).toBe(200);

      const missing = await post("/account/reset-password", { token: account.token });
      expect(missing.status).toBe(400);
      expect(visibleText(missing.text)).toContain("Type a new password");

      const done = await post("/account/reset-password", {
        token: account.token,
        newPassword: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      });
      expect(done.status, done.text).toBe(200);
    });

    it("a password the policy refuses: the form again with the reason, and the link still works", async () => {
      const account = await accountWithLink("reset_password");
      const refusals: [string, string][] = [
        ["short", "must be at least 8 characters"],
        ["password123", "is one of the most common passwords"],
        [`${account.user.username.toUpperCase()}-and-more`, "must not contain the username"],
        ["x".repeat(300), "must be at most 256 characters"],
      ];
      for (const [password, reason] of refusals) {
        const page = await post("/account/reset-password", {
          token: account.token,
          newPassword: password,
          confirmPassword: password,
        });
        expect(page.status, password).toBe(400);
        expect(visibleText(page.text)).toContain(`The new password was refused: it ${reason}`);
        expect(hiddenToken(page.text)).toBe(account.token);
      }
      expect((await login(account.user.username, account.password)).status).toBe(200);
      const done = await post("/account/reset-password", {
        token: account.token,
        newPassword: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      });
      expect(done.status, done.text).toBe(200);
    });

    it("an expired link, a garbage one, a verification link: 400 and the password stays", async () => {
      const expired = await accountWithLink("reset_password", -60);
      const verifyLink = await accountWithLink("verify_email");
      for (const token of [expired.token, verifyLink.token, "garbage", "B".repeat(43)]) {
        const page = await post("/account/reset-password", {
          token,
          newPassword: NEW_PASSWORD,
          confirmPassword: NEW_PASSWORD,
        });
        expect(page.status, token).toBe(400);
        expect(visibleText(page.text)).toContain("This link does not work");
      }
      expect((await login(expired.user.username, expired.password)).status).toBe(200);
      expect((await login(verifyLink.user.username, verifyLink.password)).status).toBe(200);
    });
  });

  describe("whatever is posted, a page and never a 5xx", () => {
    it("missing tokens, junk, other content types and huge bodies answer 4xx pages", async () => {
      const cases: [string, string, string, number][] = [
        ["/account/verify-email", "", FORM, 400],
        ["/account/verify-email", "token=", FORM, 400],
        ["/account/verify-email", "token=a&token=b", FORM, 400],
        ["/account/verify-email", "%%%&&&==", FORM, 400],
        ["/account/verify-email", "__proto__=x&constructor=y", FORM, 400],
        ["/account/reset-password", "token[]=x&newPassword[]=y", FORM, 400],
        ["/account/reset-password", "newPassword=a&confirmPassword=a", FORM, 400],
        ["/account/verify-email", '{"token": {"nested": true}}', "application/json", 400],
        ["/account/verify-email", '{"__proto__": {"x": 1}}', "application/json", 400],
        ["/account/verify-email", "{not json", "application/json", 400],
        ["/account/reset-password", "token=x", "text/plain", 400],
        ["/account/reset-password", "<token>x</token>", "application/xml", 415],
        ["/account/verify-email", `token=${"A".repeat(100_000)}`, FORM, 413],
        ["/account/reset-password", `token=x&newPassword=${"p".repeat(100_000)}`, FORM, 413],
      ];
      for (const [path, body, contentType, status] of cases) {
        const page = await post(path, body, contentType);
        const label = `${path} ${contentType} ${body.slice(0, 30)}`;
        expect(page.status, label).toBe(status);
        expect(page.headers.get("content-type"), label).toBe("text/html; charset=utf-8");
        expect(page.text, label).toMatch(/^<!doctype html>/);
        expect(page.headers.get("cache-control"), label).toBe("no-store");
      }
    });
  });

  describe("headers", () => {
    it("helmet's full set on the pages, with their own policy, no referrer, no cache", async () => {
      const answers = [
        await get(`/account/verify-email?token=${"A".repeat(43)}`),
        await get(`/account/reset-password?token=${"A".repeat(43)}`),
        await post("/account/verify-email", { token: "garbage" }),
        await post("/account/reset-password", { token: "x", newPassword: "a" }),
        await post("/account/verify-email", "x", "text/plain"),
      ];
      for (const answer of answers) {
        const csp = answer.headers.get("content-security-policy") ?? "";
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("style-src 'self'");
        expect(csp).toContain("form-action 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain("script-src");
        expect(answer.headers.get("referrer-policy")).toBe("no-referrer");
        expect(answer.headers.get("cache-control")).toBe("no-store");
        expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
        expect(answer.headers.get("x-frame-options")).toBe("SAMEORIGIN");
        expect(answer.headers.get("cross-origin-opener-policy")).toBe("same-origin");
        expect(answer.headers.get("cross-origin-resource-policy")).toBe("same-origin");
        expect(answer.headers.get("origin-agent-cluster")).toBe("?1");
        expect(answer.headers.get("x-download-options")).toBe("noopen");
        expect(answer.headers.get("x-dns-prefetch-control")).toBe("off");
        expect(answer.headers.get("x-permitted-cross-domain-policies")).toBe("none");
        expect(answer.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
      }
    });

    it("the stylesheet is Warden's own, linked from every page", async () => {
      const page = await get(`/account/verify-email?token=${"A".repeat(43)}`);
      expect(page.text).toContain('<link rel="stylesheet" href="style.css">');
      expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
      const css = await get("/account/style.css");
      expect(css.status).toBe(200);
      expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
      expect(css.text).toContain("max-width");
    });

    it("the API keeps its lean headers", async () => {
      const response = await fetch(`${server.url}/healthz`);
      expect(response.headers.get("content-security-policy")).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(response.headers.get("x-frame-options")).toBeNull();
      expect(response.headers.get("cross-origin-opener-policy")).toBeNull();
    });
  });

  describe("logs", () => {
    it("no log line carries a link's token or a new password", async () => {
      const verify = await accountWithLink("verify_email");
      const reset = await accountWithLink("reset_password");
      const refusedPassword = "short";
      const before = server.lines.length;

      await get(`/account/verify-email?token=${verify.token}`);
      await post("/account/verify-email", { token: verify.token });
      await post("/account/verify-email", { token: verify.token });
      await get(`/account/reset-password?token=${reset.token}`);
      await post("/account/reset-password", {
        token: reset.token,
        newPassword: `${refusedPassword}-typo`,
        confirmPassword: refusedPassword,
      });
      await post("/account/reset-password", {
        token: reset.token,
        newPassword: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      });
      await post("/account/reset-password", `token=${reset.token}&x=${"y".repeat(100_000)}`);

      // The access log line is written once the answer has left: wait for the last one.
      await expect.poll(() => server.lines.length - before).toBeGreaterThanOrEqual(7);
      const lines = server.lines.slice(before);
      const records = lines.map((line) => JSON.parse(line) as { msg?: string; path?: string });
      const pagePaths = records
        .filter((record) => record.msg === "request")
        .map((record) => record.path);
      expect(pagePaths).toEqual([
        "/account/verify-email",
        "/account/verify-email",
        "/account/verify-email",
        "/account/reset-password",
        "/account/reset-password",
        "/account/reset-password",
        "/account/reset-password",
      ]);
      const log = lines.join("");
      for (const secret of [verify.token, reset.token, NEW_PASSWORD, `${refusedPassword}-typo`]) {
        expect(log).not.toContain(secret);
      }
    });
  });
});
