import { adminRouter } from "./routers/admin.js";
import { authRouter } from "./routers/auth.js";
import { postsRouter } from "./routers/posts.js";
import { sessionsRouter } from "./routers/sessions.js";
import { systemRouter } from "./routers/system.js";
import { usersRouter } from "./routers/users.js";
import { router } from "./trpc.js";

export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  users: usersRouter,
  sessions: sessionsRouter,
  posts: postsRouter,
  admin: adminRouter,
});

/** The API's type, for `@warden/client` and the CLI: import it with `import type` only. */
export type AppRouter = typeof appRouter;
