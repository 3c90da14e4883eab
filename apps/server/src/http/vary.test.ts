import { describe, expect, it } from "vitest";
import { withOrigin } from "./vary.js";

describe("withOrigin", () => {
  it("adds Origin to a Vary value once, whatever its case or spacing", () => {
    expect(withOrigin(undefined)).toBe("Origin");
    expect(withOrigin("")).toBe("Origin");
    expect(withOrigin("trpc-accept, accept")).toBe("trpc-accept, accept, Origin");
    expect(withOrigin("Origin, trpc-accept")).toBe("Origin, trpc-accept");
    expect(withOrigin("accept,origin")).toBe("accept,origin");
    expect(withOrigin(["accept", "Origin"])).toBe("accept, Origin");
  });
});
