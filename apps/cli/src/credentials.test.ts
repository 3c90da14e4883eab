import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createCredentialsStore, credentialsFolder } from "./credentials.js";

let base: string;
afterEach(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

describe("credentialsFolder", () => {
  it("uses an absolute XDG_CONFIG_HOME, else ~/.config", () => {
    expect(credentialsFolder({ XDG_CONFIG_HOME: "/x/config" })).toBe("/x/config/warden");
    expect(credentialsFolder({ XDG_CONFIG_HOME: "relative" })).toMatch(/\.config\/warden$/);
    expect(credentialsFolder({})).toMatch(/\.config\/warden$/);
  });
});

describe("createCredentialsStore", () => {
  it("writes 0600 in a 0700 folder and leaves no temp or lock file behind", async () => {
    base = await mkdtemp(join(tmpdir(), "warden-credentials-"));
    const folder = join(base, "warden");
    const store = createCredentialsStore({ folder, server: "http://a.test" });
    await store.set({ accessToken: "a1", refreshToken: "r1" });
    expect(await store.get()).toEqual({ accessToken: "a1", refreshToken: "r1" });
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect((await stat(join(folder, "credentials.json"))).mode & 0o777).toBe(0o600);
    expect(await readdir(folder)).toEqual(["credentials.json"]);
  });

  it("loses no update when many writers race (the lock plus re-read)", async () => {
    base = await mkdtemp(join(tmpdir(), "warden-credentials-"));
    const folder = join(base, "warden");
    const servers = Array.from({ length: 20 }, (_, index) => `http://s${index}.test`);
    await Promise.all(
      servers.map((server) =>
        createCredentialsStore({ folder, server }).set({ accessToken: server, refreshToken: "r" }),
      ),
    );
    const file = JSON.parse(await readFile(join(folder, "credentials.json"), "utf8")) as {
      servers: Record<string, { accessToken: string }>;
    };
    expect(Object.keys(file.servers).sort()).toEqual([...servers].sort());
  });

  it("clear keeps a newer login made by another process", async () => {
    base = await mkdtemp(join(tmpdir(), "warden-credentials-"));
    const folder = join(base, "warden");
    const mine = createCredentialsStore({ folder, server: "http://a.test" });
    const theirs = createCredentialsStore({ folder, server: "http://a.test" });
    await mine.set({ accessToken: "old", refreshToken: "r1" });
    await theirs.set({ accessToken: "new", refreshToken: "r2" });
    await mine.clear();
    expect(await theirs.get()).toEqual({ accessToken: "new", refreshToken: "r2" });
    await theirs.clear();
    expect(await mine.get()).toBeNull();
  });
});
