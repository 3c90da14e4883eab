import { defineConfig, type UserConfig } from "tsdown";

// One file, dist/main.js, with the workspace's own packages bundled in
// (@warden/client and @warden/auth-core/schemas are private, never published):
// the tarball installs anywhere with `npm install -g` and depends only on the
// public packages its package.json lists.
const config: UserConfig = defineConfig({
  entry: ["src/main.ts"],
  format: "esm",
  platform: "node",
  outDir: "dist",
  tsconfig: "tsconfig.build.json",
  fixedExtension: false,
  sourcemap: true,
  dts: false,
  deps: {
    // Everything but relative paths and @warden/* stays an import.
    neverBundle: (id) => /^(?!\.|\/|@warden\/)/.test(id),
  },
});
export default config;
