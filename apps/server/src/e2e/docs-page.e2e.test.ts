import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { migrateToLatest } from "@warden/auth-core";
import {
  createTestDatabase,
  type DatabaseTarget,
  databaseTargets,
  type TestDatabase,
} from "@warden/auth-core/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ARTIFACTS, CHROMIUM, describeInBrowser } from "../testing/browser.js";
import { freePort } from "../testing/spawned-server.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";

const username = "docs_ada";
const password = "tangerine-orbit-47";
/** The path in the heading of GET /api/users/me's block (inside an `.opblock-get`). */
const USERS_ME_PATH = '.opblock-summary-path[data-path="/api/users/me"]';

// The page does not depend on the database: one run, on SQLite.
describeInBrowser("the /docs page in a real browser [sqlite]", () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    database = await createTestDatabase(databaseTargets()[0] as DatabaseTarget);
    await migrateToLatest(database.database.db);
    // The OpenAPI document's OAuth tokenUrl is `<issuer>/oauth/token`, an
    // absolute URL the browser follows: the issuer must be where the server
    // really listens, so the port is chosen before the server starts.
    const port = await freePort();
    server = await startTestServer(database, {
      PORT: String(port),
      WARDEN_ISSUER: `http://127.0.0.1:${port}`,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await database?.drop();
  });

  it("lets a person authorize with username and password and call GET /api/users/me", async () => {
    const registered = await fetch(`${server.url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        username,
        email: `${username}@example.com`,
        name: "Ada Docs",
        password,
      }),
    });
    expect(registered.status).toBe(201);

    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    // A step that cannot happen fails naming the step, not at the test's timeout.
    page.setDefaultTimeout(15_000);
    const problems = await watchForProblems(page);
    try {
      await authorizeAndCallUsersMe(page, server.url);
    } finally {
      // Saved whether the steps passed or not: on a failure it shows where the page stood.
      mkdirSync(ARTIFACTS, { recursive: true });
      const screenshot = join(ARTIFACTS, "docs-page.png");
      // The part of the page that proves it: the call Swagger UI made, its 200, the user.
      await page
        .evaluate(
          `document.querySelector('.opblock-get ${USERS_ME_PATH}')?.closest(".opblock")?.scrollIntoView()`,
        )
        .catch(() => undefined);
      await page.screenshot({ path: screenshot });
      console.log(`/docs screenshot: ${screenshot}`);
      await page.close();
    }
    expect(problems).toEqual([]);
  }, 60_000); // loading the page parses Swagger UI's 1.5 MB bundle: seconds on a busy CI machine
});

/** What a person does on /docs, checking what the page and the server answer at each step. */
async function authorizeAndCallUsersMe(page: Page, serverUrl: string): Promise<void> {
  const docs = await page.goto(`${serverUrl}/docs`);
  expect(docs?.status()).toBe(200);
  // The one HTML page gets helmet's document headers and Swagger UI's own
  // CSP (tightened in api-reference.ts), not the API's "default-src 'none'".
  const documentHeaders = (await docs?.allHeaders()) ?? {};
  expect(documentHeaders["content-security-policy"]).toMatch(/^default-src 'self';/);
  expect(documentHeaders["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(documentHeaders["content-security-policy"]).not.toContain("https:");
  expect(documentHeaders).toMatchObject({
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "origin-agent-cluster": "?1",
    "x-download-options": "noopen",
    "x-frame-options": "SAMEORIGIN",
  });

  // Authorize with the OAuth password flow's form. Swagger UI posts
  // grant_type, username and password to the tokenUrl (no `scope` when none
  // is chosen), with "Authorization: Basic Og==" for the empty client id,
  // which the password grant, taking no client authentication, ignores.
  await page.locator(".auth-wrapper button.authorize").click();
  const passwordFlow = page
    .locator(".modal-ux .auth-container")
    .filter({ has: page.locator("h4", { hasText: "(OAuth2, password)" }) });
  await passwordFlow.locator("#oauth_username").fill(username);
  await passwordFlow.locator("#oauth_password").fill(password);
  const tokenResponse = page.waitForResponse((response) => response.url().endsWith("/oauth/token"));
  await passwordFlow.locator("button.authorize").click();
  const token = await tokenResponse;
  expect(token.status(), await token.text()).toBe(200);
  // Authorized: the form gives way to a Logout button.
  await passwordFlow.locator("button", { hasText: "Logout" }).waitFor();
  await page.locator(".modal-ux button.close-modal").click();

  // GET /api/users/me: expand it, "Try it out" if the page asks (tryItOutEnabled
  // makes it editable from the start), then Execute.
  const operation = page.locator(".opblock-get").filter({ has: page.locator(USERS_ME_PATH) });
  await operation.locator(".opblock-summary").click();
  const tryItOut = operation.getByRole("button", { name: "Try it out" });
  if (await tryItOut.isVisible()) await tryItOut.click();
  const apiResponse = page.waitForResponse((response) => response.url().endsWith("/api/users/me"));
  await operation.getByRole("button", { name: "Execute" }).click();
  const me = await apiResponse;

  // The call carried the access token the password flow obtained.
  expect((await me.request().allHeaders()).authorization).toMatch(/^Bearer ey/);
  expect(me.status()).toBe(200);
  // JSON from /api keeps the API's lean headers, not the page's document set.
  const apiHeaders = await me.allHeaders();
  expect(apiHeaders["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(apiHeaders["x-content-type-options"]).toBe("nosniff");
  for (const documentHeader of [
    "cross-origin-opener-policy",
    "cross-origin-resource-policy",
    "origin-agent-cluster",
    "x-download-options",
    "x-frame-options",
  ]) {
    expect(apiHeaders[documentHeader], documentHeader).toBeUndefined();
  }

  // What the person sees: status 200 and their own user in the response body.
  const live = operation.locator(".live-responses-table tr.response");
  await expect.poll(() => live.locator(".response-col_status").textContent()).toContain("200");
  await expect
    .poll(() => live.locator(".response-col_description").textContent())
    .toContain(`"username": "${username}"`);
}

/**
 * Everything on the page that would mean it is broken for a person: console
 * errors and warnings (Chromium reports a blocked script or style there),
 * uncaught exceptions, and each Content-Security-Policy violation, reported
 * by the page's own `securitypolicyviolation` event.
 */
async function watchForProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning")
      problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  await page.exposeFunction("reportCspViolation", (violation: string) =>
    problems.push(`CSP violation: ${violation}`),
  );
  // Runs in the page before its own scripts (a string: this package has no DOM types).
  await page.addInitScript(`
    document.addEventListener("securitypolicyviolation", (event) =>
      window.reportCspViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline")),
    );
  `);
  return problems;
}
