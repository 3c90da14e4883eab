import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { defineConfig, type UserConfig } from "tsdown";

// The server's request context holds its dependencies (the database, the
// logger, the domain services): AppRouter's type names them, but no client
// reads them. Published declarations make them opaque, so the bundled d.ts
// needs neither kysely, pino nor node's types, only the router's procedures.
const SERVER_CONTEXT_DTS = fileURLToPath(
  new URL("../../apps/server/dist/context.d.ts", import.meta.url),
);
const SERVER_DEPS = /(\/\*\*[^*]*\*\/\s*)?export interface ServerDeps \{[^}]*\}/;

const opaqueServerDeps = {
  name: "warden:opaque-server-deps",
  async load(id: string) {
    if (id !== SERVER_CONTEXT_DTS) return null;
    const code = await readFile(id, "utf8");
    if (!SERVER_DEPS.test(code))
      throw new Error(`${id} no longer declares ServerDeps as expected: update tsdown.config.ts`);
    return code.replace(
      SERVER_DEPS,
      "/** The server's internals: opaque to clients. */\nexport type ServerDeps = unknown;",
    );
  },
};

const config: UserConfig = defineConfig({
  entry: ["src/index.ts"],
  format: "esm",
  platform: "node",
  outDir: "dist",
  tsconfig: "tsconfig.build.json",
  fixedExtension: false,
  sourcemap: true,
  // The declaration map would point at sources that are not in the tarball.
  dts: { sourcemap: false },
  plugins: [opaqueServerDeps],
  deps: {
    // Bundled: the workspace's own packages (private, never published), code
    // and types. Everything else stays an import: the package.json's
    // dependencies, and node's built-ins.
    neverBundle: (id) => /^(?!\.|\/|@warden\/)/.test(id),
  },
});
export default config;
