import type { OpenAPIObject } from "trpc-to-openapi";
import { describe, expect, it } from "vitest";
import { lazyOpenApiDocument } from "./lazy-openapi-document.js";

const OPTIONS = { issuer: "http://warden.test", version: "1.2.3" };

/** A build that counts its calls and fails while `failures` lasts. */
function countingBuild(failures = 0) {
  const calls: { issuer: string; version: string }[] = [];
  let left = failures;
  const build = async (options: { issuer: string; version: string }) => {
    calls.push(options);
    if (left-- > 0) throw new Error("build failed");
    return {
      openapi: "3.1.0",
      info: { title: "Warden", version: options.version },
    } as OpenAPIObject;
  };
  return { calls, build };
}

describe("lazyOpenApiDocument", () => {
  it("builds nothing until asked, then once for every caller, concurrent ones included", async () => {
    const { calls, build } = countingBuild();
    const lazy = lazyOpenApiDocument(OPTIONS, build);
    expect(calls).toEqual([]);
    const [first, second, text] = await Promise.all([
      lazy.document(),
      lazy.document(),
      lazy.json(),
    ]);
    expect(first).toBe(second);
    expect(JSON.parse(text)).toEqual(first);
    expect(await lazy.json()).toBe(text);
    expect(calls).toEqual([OPTIONS]);
  });

  it("tries again after a failed build", async () => {
    const { calls, build } = countingBuild(1);
    const lazy = lazyOpenApiDocument(OPTIONS, build);
    await expect(lazy.json()).rejects.toThrow("build failed");
    expect(JSON.parse(await lazy.json())).toMatchObject({ info: { version: "1.2.3" } });
    expect(calls).toHaveLength(2);
  });

  it("builds Warden's real document by default", async () => {
    const document = await lazyOpenApiDocument(OPTIONS).document();
    expect(document.openapi).toMatch(/^3\.1/);
    expect(document.info.version).toBe("1.2.3");
    expect(Object.keys(document.paths ?? {})).toContain("/api/users/me");
  });
});
