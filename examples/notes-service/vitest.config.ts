import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // In CI every test is listed with its dialect tag, so .ci/run can count what ran on each database.
    reporters: process.env.CI ? ["verbose"] : ["default"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
