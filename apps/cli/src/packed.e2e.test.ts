import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type NodeRun,
  runCommand,
  type SpawnedServer,
  spawnWardenServer,
} from "@warden/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// What a team or a laptop gets: @warden/client and @warden/cli packed as
// tarballs, installed with npm into a project outside this repository, type
// checked with that project's own tsc, and run against a real server.

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const PASSWORD = "tangerine-orbit-47";
const USERNAME = "packed_user";
// The workspace's TypeScript, so the test does not move when a new major lands.
const TYPESCRIPT_VERSION = (
  createRequire(import.meta.url)("typescript/package.json") as { version: string }
).version;

function expectSuccess(result: NodeRun, what: string): void {
  if (result.code !== 0)
    throw new Error(`${what} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
}

/** The environment without pnpm's npm_* variables, as a shell elsewhere would have it. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_|^pnpm_/i.test(key)) env[key] = value;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

async function pack(packageDir: string, destination: string): Promise<string> {
  const before = new Set(await readdir(destination));
  const packed = await runCommand("pnpm", ["pack", "--pack-destination", destination], {
    cwd: join(REPO, packageDir),
    env: process.env,
  });
  expectSuccess(packed, `pnpm pack in ${packageDir}`);
  const tarball = (await readdir(destination)).find(
    (name) => name.endsWith(".tgz") && !before.has(name),
  );
  if (!tarball) throw new Error(`pnpm pack in ${packageDir} wrote no tarball:\n${packed.stdout}`);
  return join(destination, tarball);
}

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    lib: ["ESNext", "DOM"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    // Check the installed packages' declarations too: they must stand on their
    // own (TypeScript's own lib files are left unchecked, as they are tested).
    skipLibCheck: false,
    skipDefaultLibCheck: true,
    types: [],
    outDir: "out",
  },
  files: ["main.ts"],
};

function mainScript(url: string): string {
  return `import { createMemoryTokenStore, createWardenClient } from "@warden/client";

const warden = createWardenClient({ url: ${JSON.stringify(url)}, tokenStore: createMemoryTokenStore() });
await warden.auth.login.mutate({ username: ${JSON.stringify(USERNAME)}, password: ${JSON.stringify(PASSWORD)} });
const me = await warden.users.me.query();
const role: "user" | "admin" = me.role;
// @ts-expect-error: the name is a string; were the router's types lost, this would not be an error.
const notANumber: number = me.name;
console.log(JSON.stringify({ id: me.id, username: me.username, role, checked: notANumber !== 0 }));
`;
}

const WRONG_SCRIPT = `import { createWardenClient } from "@warden/client";

const warden = createWardenClient({ url: "http://127.0.0.1:1" });
await warden.system.hello.query({ name: 42 });
`;

// The steps run in order, each on the last one's work: the user registered by
// the binary logs in from the compiled script.
describe("the packed client and CLI, installed with npm outside the repository", () => {
  let server: SpawnedServer;
  let folder: string;
  let project: string;
  let tarballs: { client: string; cli: string };
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "warden-packed-"));
    project = join(folder, "project");
    const packs = join(folder, "packs");
    await Promise.all([mkdir(project), mkdir(packs), mkdir(join(folder, "config"))]);
    env = cleanEnv({ XDG_CONFIG_HOME: join(folder, "config") });

    const started = spawnWardenServer();
    tarballs = {
      client: await pack("packages/client", packs),
      cli: await pack("apps/cli", packs),
    };
    await writeFile(
      join(project, "package.json"),
      `${JSON.stringify({ name: "warden-consumer", private: true, type: "module" }, null, 2)}\n`,
    );
    const installed = await runCommand(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--no-package-lock",
        tarballs.client,
        tarballs.cli,
        `typescript@${TYPESCRIPT_VERSION}`,
      ],
      { cwd: project, env },
    );
    server = await started;
    expectSuccess(installed, "npm install");
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const tsc = (args: readonly string[]) =>
    runCommand(process.execPath, [join(project, "node_modules/typescript/bin/tsc"), ...args], {
      cwd: project,
      env,
    });
  const warden = (args: readonly string[], stdin?: string) =>
    runCommand(join(project, "node_modules/.bin/warden"), ["--server", server.url, ...args], {
      cwd: project,
      env,
      ...(stdin !== undefined ? { stdin } : {}),
    });

  it("depends on no private package at run time", async () => {
    for (const name of ["client", "cli"] as const) {
      const manifest = JSON.parse(
        await readFile(join(project, "node_modules/@warden", name, "package.json"), "utf8"),
      ) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
      const needed = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
      expect(needed.filter((dependency) => dependency.startsWith("@warden/"))).toEqual([]);
    }
    const installed = await readdir(join(project, "node_modules/@warden"));
    expect(installed.sort()).toEqual(["cli", "client"]);
  });

  it("registers with the installed warden binary", async () => {
    const registered = await warden(
      [
        "register",
        "--username",
        USERNAME,
        "--email",
        "packed@example.com",
        "--name",
        "Packed",
        "--password-stdin",
      ],
      `${PASSWORD}\n`,
    );
    expect(registered).toMatchObject({ code: 0, stderr: "" });
  });

  it("type-checks a script against the router's types, and refuses a wrong input", async () => {
    await writeFile(join(project, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
    await writeFile(join(project, "main.ts"), mainScript(server.url));
    await writeFile(join(project, "wrong.ts"), WRONG_SCRIPT);
    await writeFile(
      join(project, "tsconfig.wrong.json"),
      JSON.stringify({
        extends: "./tsconfig.json",
        compilerOptions: { noEmit: true },
        files: ["wrong.ts"],
      }),
    );
    // Two programs, checked side by side: each takes seconds (tRPC's inference).
    const [right, wrong] = await Promise.all([
      tsc(["-p", "tsconfig.json"]),
      tsc(["-p", "tsconfig.wrong.json"]),
    ]);
    expectSuccess(right, "tsc on main.ts");
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toMatch(
      /wrong\.ts\(4,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
    );
  }, 180_000);

  it("runs the compiled script against the server", async () => {
    const result = await runCommand(process.execPath, ["out/main.js"], { cwd: project, env });
    expectSuccess(result, "node out/main.js");
    expect(JSON.parse(result.stdout)).toMatchObject({
      username: USERNAME,
      role: "user",
      checked: true,
    });
  });

  it("logs in and says who is logged in with the installed warden binary", async () => {
    const loggedIn = await warden(["login", USERNAME, "--password-stdin"], `${PASSWORD}\n`);
    expect(loggedIn).toMatchObject({ code: 0, stderr: "" });
    const whoami = await warden(["--json", "whoami"]);
    expect(whoami).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(whoami.stdout)).toMatchObject({ username: USERNAME, role: "user" });
  });

  it("installs globally from the tarball as a working warden", async () => {
    const prefix = join(folder, "global");
    const installed = await runCommand(
      "npm",
      [
        "install",
        "--global",
        "--prefix",
        prefix,
        // Every dependency is in npm's cache since the install above; offline, a slow registry
        // cannot hang this install (it once took over two minutes in CI). Peer dependencies
        // (TypeScript, for the client's types) are a script's business, not the command's:
        // npm would otherwise fetch the newest TypeScript for the global install.
        "--offline",
        "--legacy-peer-deps",
        "--no-audit",
        "--no-fund",
        tarballs.cli,
      ],
      { cwd: folder, env },
    );
    expectSuccess(installed, "npm install --global");
    const whoami = await runCommand(
      join(prefix, "bin/warden"),
      ["--server", server.url, "whoami"],
      {
        cwd: folder,
        env,
      },
    );
    expect(whoami).toMatchObject({ code: 0, stderr: "" });
    expect(whoami.stdout).toContain(USERNAME);
  }, 120_000);
});
