// What other packages may import from the server: its type, for typed clients.
export type { AppRouter } from "./router.js";
