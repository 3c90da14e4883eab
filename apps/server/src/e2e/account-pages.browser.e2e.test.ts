import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { migrateToLatest } from "@warden/auth-core";
import {
  createTestDatabase,
  type DatabaseTarget,
  databaseTargets,
  type TestDatabase,
} from "@warden/auth-core/testing";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ARTIFACTS, CHROMIUM, describeInBrowser } from "../testing/browser.js";
import { linkIn, type MailCatcher, startMailCatcher } from "../testing/mail-catcher.js";
import { freePort } from "../testing/spawned-server.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";

const username = "pages_grace";
const email = `${username}@example.com`;
const oldPassword = "tangerine-orbit-47";
const newPassword = "copper-meadow-lantern-58";

// The pages do not depend on the database: one run, on SQLite.
describeInBrowser("the hosted account pages in a real browser, with real mail [sqlite]", () => {
  let database: TestDatabase;
  let mail: MailCatcher;
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    database = await createTestDatabase(databaseTargets()[0] as DatabaseTarget);
    await migrateToLatest(database.database.db);
    mail = await startMailCatcher();
    // Links in mails point at PUBLIC_URL, by default the issuer: it must be
    // where the server really listens, so the port is chosen before it starts.
    const port = await freePort();
    server = await startTestServer(database, {
      PORT: String(port),
      WARDEN_ISSUER: `http://127.0.0.1:${port}`,
      SMTP_URL: mail.smtpUrl,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await mail?.close();
    await database?.drop();
  });

  it("verifies the address from the mailed link, then resets the password from another", async () => {
    const registered = await api("/api/auth/register", {
      username,
      email,
      name: "Grace Pages",
      password: oldPassword,
    });
    expect(registered.status).toBe(201);

    // A phone: narrow, touch, a high-density screen.
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    // A step that cannot happen fails naming the step, not at the test's timeout.
    page.setDefaultTimeout(15_000);
    const problems = await watchForProblems(context, page);
    let step = "verify";
    try {
      // 1. The verification mail, as the SMTP server received it; its link, opened.
      const verifyMail = await mail.waitForMail(email, { subject: /verify your email/i });
      const verifyLink = linkIn(verifyMail, "/account/verify-email");
      expect(verifyLink.url.startsWith(`${server.url}/account/verify-email?token=`)).toBe(true);
      await verifyEmailInBrowser(page, verifyLink.url);
      await screenshot(page, "account-pages-verified.png");

      const login = await logIn(oldPassword);
      expect(login.status).toBe(200);
      const me = await fetch(`${server.url}/api/users/me`, {
        headers: { authorization: `Bearer ${login.body.accessToken}` },
      });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ username, email, emailVerified: true });

      // The used verification link: the form still shows (a GET uses nothing), the press fails.
      await openLink(page, verifyLink.url);
      const reused = await submit(page, "Verify my email address");
      expect(reused.status).toBe(400);
      await expect.poll(() => page.locator("h1").textContent()).toBe("This link does not work");

      // 2. A password reset, asked for through the API; its link, from the mail, opened.
      step = "reset";
      const asked = await api("/api/auth/request-password-reset", { email });
      expect(asked.status).toBe(200);
      const resetMail = await mail.waitForMail(email, { subject: /reset your password/i });
      const resetLink = linkIn(resetMail, "/account/reset-password");
      await openLink(page, resetLink.url);
      expect(await page.locator("h1").textContent()).toBe("Choose a new password");

      // Two different passwords: the form comes back, saying so, and the link still works.
      await page.getByLabel("New password", { exact: true }).fill(newPassword);
      await page.getByLabel("New password, again").fill(`${newPassword}!`);
      const mismatch = await submit(page, "Set the new password");
      expect(mismatch.status).toBe(400);
      await expect(page.getByRole("alert").textContent()).resolves.toContain(
        "The two passwords are not the same",
      );
      await screenshot(page, "account-pages-reset-mismatch.png");

      // A password the policy refuses: the reason, and the link still works.
      await page.getByLabel("New password", { exact: true }).fill("short");
      await page.getByLabel("New password, again").fill("short");
      const refused = await submit(page, "Set the new password");
      expect(refused.status).toBe(400);
      await expect(page.getByRole("alert").textContent()).resolves.toContain(
        "must be at least 8 characters",
      );

      await page.getByLabel("New password", { exact: true }).fill(newPassword);
      await page.getByLabel("New password, again").fill(newPassword);
      const changed = await submit(page, "Set the new password");
      expect(changed.status).toBe(200);
      expect(await page.locator("h1").textContent()).toBe("Password changed");
      await screenshot(page, "account-pages-password-changed.png");

      // The new password logs in; the old one does not; the session from before ended.
      expect((await logIn(newPassword)).status).toBe(200);
      expect((await logIn(oldPassword)).status).toBe(401);
      const before = await fetch(`${server.url}/api/users/me`, {
        headers: { authorization: `Bearer ${login.body.accessToken}` },
      });
      expect(before.status).toBe(401);
      // The owner was told by mail.
      await mail.waitForMail(email, { subject: /password was changed/i });

      // The used reset link fails, and the password stays the new one.
      await openLink(page, resetLink.url);
      await page.getByLabel("New password", { exact: true }).fill("another-fresh-password-12");
      await page.getByLabel("New password, again").fill("another-fresh-password-12");
      const reusedReset = await submit(page, "Set the new password");
      expect(reusedReset.status).toBe(400);
      expect(await page.locator("h1").textContent()).toBe("This link does not work");
      expect((await logIn(newPassword)).status).toBe(200);
    } finally {
      // Saved whether the steps passed or not: on a failure it shows where the page stood.
      await screenshot(page, `account-pages-last-${step}.png`).catch(() => undefined);
      await context.close();
    }
    expect(problems).toEqual([]);
  }, 60_000);

  async function api(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  async function logIn(password: string) {
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    return {
      status: response.status,
      body: (await response.json()) as { accessToken: string },
    };
  }
});

/** Opens a mailed link as a person would: a GET, answered 200 with the form and the page's headers. */
async function openLink(page: Page, url: string): Promise<void> {
  const stylesheet = page.waitForRequest((request) => request.url().endsWith("/style.css"));
  const response = await page.goto(url);
  expect(response?.status()).toBe(200);
  const headers = (await response?.allHeaders()) ?? {};
  expect(headers["content-security-policy"]).toMatch(/^default-src 'none';/);
  expect(headers["content-security-policy"]).toContain("style-src 'self'");
  expect(headers).toMatchObject({
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin",
    "x-frame-options": "SAMEORIGIN",
  });
  // The page's own stylesheet loads, and the link (with its token) does not go along as a Referer.
  const css = await stylesheet;
  // (Playwright reports an absent Referer as "" or not at all.)
  expect((await css.allHeaders()).referer ?? "").toBe("");
  expect((await css.response())?.status()).toBe(200);
  // Readable on a phone: the stylesheet applied, and nothing wider than the screen.
  const layout = (await page.evaluate(`({
    width: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    mainWidth: document.querySelector("main").getBoundingClientRect().width,
    buttonWidth: document.querySelector("button").getBoundingClientRect().width,
  })`)) as { width: number; viewport: number; mainWidth: number; buttonWidth: number };
  expect(layout.width).toBeLessThanOrEqual(layout.viewport);
  expect(layout.mainWidth).toBeGreaterThan(layout.viewport * 0.8);
  // A full-width button (display:block; width:100%) shows the stylesheet is in force.
  expect(layout.buttonWidth).toBeGreaterThan(layout.mainWidth * 0.8);
}

/** Presses the form's button and waits for the page the POST answered; the POST carries no Referer either. */
async function submit(page: Page, button: string): Promise<{ status: number }> {
  const posted = page.waitForResponse((response) => response.request().method() === "POST");
  await page.getByRole("button", { name: button }).click();
  const response = await posted;
  expect((await response.request().allHeaders()).referer ?? "").toBe("");
  expect(new URL(response.url()).search).toBe("");
  await page.waitForLoadState("load");
  return { status: response.status() };
}

async function verifyEmailInBrowser(page: Page, url: string): Promise<void> {
  await openLink(page, url);
  expect(await page.locator("h1").textContent()).toBe("Verify your email address");
  const verified = await submit(page, "Verify my email address");
  expect(verified.status).toBe(200);
  expect(await page.locator("h1").textContent()).toBe("Email address verified");
  await expect(page.getByRole("status").textContent()).resolves.toBe(`${email} is verified.`);
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`account pages screenshot: ${path}`);
}

/**
 * Everything that would mean a page is broken for a person: console errors
 * and warnings (Chromium reports a blocked style there), uncaught
 * exceptions, and each Content-Security-Policy violation, reported by the
 * page's own `securitypolicyviolation` event.
 */
async function watchForProblems(context: BrowserContext, page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on("console", (message) => {
    // Chromium logs every document answered 4xx; the test checks each page's status itself.
    const { pathname } = new URL(message.location().url || "about:blank");
    if (
      message
        .text()
        .startsWith("Failed to load resource: the server responded with a status of 4") &&
      (pathname === "/account/verify-email" || pathname === "/account/reset-password")
    )
      return;
    if (message.type() === "error" || message.type() === "warning")
      problems.push(`console ${message.type()}: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  await context.exposeFunction("reportCspViolation", (violation: string) =>
    problems.push(`CSP violation: ${violation}`),
  );
  // Runs in the page before anything else (a string: this package has no DOM types).
  await context.addInitScript(`
    document.addEventListener("securitypolicyviolation", (event) =>
      window.reportCspViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline")),
    );
  `);
  return problems;
}
