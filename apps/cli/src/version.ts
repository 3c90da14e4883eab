import { createRequire } from "node:module";

// Read from package.json at run time, so the version is written in one place.
const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

export const VERSION: string = version;
