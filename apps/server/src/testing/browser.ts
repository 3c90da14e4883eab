import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";

/**
 * Debian's chromium, driven by playwright-core: no browser is downloaded
 * from anywhere else. CI installs it (.ci/run), so there a missing browser
 * is a failure, as a missing database is (databaseTargets); on a
 * developer's machine without it a browser suite is skipped and says why.
 */
export const CHROMIUM = "/usr/bin/chromium";

/** Where browser tests put screenshots; they print the paths, so CI's log names the artefacts. */
export const ARTIFACTS = join(tmpdir(), "warden-test-artifacts");

/** `describe` for a suite that needs chromium: skipped, saying why, without it; a failure in CI. */
export function describeInBrowser(title: string, suite: () => void): void {
  const ci = process.env.CI === "true" || process.env.CI === "1";
  if (existsSync(CHROMIUM)) {
    describe(title, suite);
    return;
  }
  if (ci) throw new Error(`CI=true but ${CHROMIUM} is missing: "${title}" is mandatory in CI`);
  describe.skip(`${title} (skipped: ${CHROMIUM} not found; apt-get install chromium)`, suite);
}
