import type { PostService } from "@warden/auth-core";
import { databaseTargets, describeEachDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostPages } from "../cache/post-pages.js";
import {
  registerAdmin,
  registerAndLogin,
  startTestServer,
  type TestServer,
  trpc,
} from "../testing/test-server.js";

// posts.list pages are remembered for a second (cache/post-pages.ts). Every
// list below is read right after a write, well within that second: each
// would see the page from before the write if the write did not drop it.

interface Listed {
  items: { id: string; title: string }[];
}

const list = async (server: TestServer, token: string) => {
  const answer = await trpc<Listed>(server, "posts.list", { query: true, token });
  if (!answer.data) throw new Error(`posts.list failed: ${answer.raw}`);
  return answer.data.items.map((post) => `${post.id}:${post.title}`);
};

const create = async (server: TestServer, token: string, title: string, published = true) => {
  const answer = await trpc<{ id: string }>(server, "posts.create", {
    token,
    input: { title, content: "text", published },
  });
  if (!answer.data) throw new Error(`posts.create failed: ${answer.raw}`);
  return answer.data.id;
};

/** Lists until `done` holds or `ms` pass; the last list. */
const listUntil = async (
  server: TestServer,
  token: string,
  done: (items: string[]) => boolean,
  ms: number,
) => {
  const deadline = Date.now() + ms;
  let items = await list(server, token);
  while (!done(items) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    items = await list(server, token);
  }
  return items;
};

describeEachDatabase("remembered post pages", (current) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(current());
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it("show a post's creation, change, unpublishing and deletion in the very next list, to its owner and to others", async () => {
    const owner = (await registerAndLogin(server)).tokens.accessToken;
    const reader = (await registerAndLogin(server)).tokens.accessToken;
    await list(server, owner);
    await list(server, reader);

    const id = await create(server, owner, "first");
    expect(await list(server, owner)).toContain(`${id}:first`);
    expect(await list(server, reader)).toContain(`${id}:first`);

    await trpc(server, "posts.update", { token: owner, input: { id, title: "second" } });
    expect(await list(server, owner)).toContain(`${id}:second`);
    expect(await list(server, reader)).toContain(`${id}:second`);

    await trpc(server, "posts.update", { token: owner, input: { id, published: false } });
    expect(await list(server, owner)).toContain(`${id}:second`);
    expect((await list(server, reader)).some((item) => item.startsWith(id))).toBe(false);

    await trpc(server, "posts.delete", { token: owner, input: { id } });
    expect((await list(server, owner)).some((item) => item.startsWith(id))).toBe(false);
  });

  it("drop a deleted user's published posts from everyone's next list", async () => {
    const author = await registerAndLogin(server);
    const reader = (await registerAndLogin(server)).tokens.accessToken;
    const admin = await registerAdmin(server);
    const id = await create(server, author.tokens.accessToken, "by a leaving author");
    expect(await list(server, reader)).toContain(`${id}:by a leaving author`);
    const deleted = await trpc(server, "admin.users.delete", {
      token: admin.accessToken,
      input: { id: author.user.id },
    });
    expect(deleted.status, deleted.raw).toBe(200);
    expect((await list(server, reader)).some((item) => item.startsWith(id))).toBe(false);
  });
});

describeEachDatabase("the post-page cache's bounds", (current) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(current());
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  /** The server's real PostService, counting its list reads; a read waits for `gate` when one is set. */
  const counted = () => {
    const posts = server.running.deps.warden.posts;
    const counter: { reads: number; gate?: Promise<void>; posts: PostService } = {
      reads: 0,
      posts: {
        ...posts,
        async list(...args: Parameters<PostService["list"]>) {
          counter.reads += 1;
          const page = await posts.list(...args);
          await counter.gate;
          return page;
        },
      },
    };
    return counter;
  };

  it("remember a light page, read a heavy one from the database each time", async () => {
    const owner = await registerAndLogin(server);
    const token = owner.tokens.accessToken;
    const counter = counted();
    const pages = await createPostPages({
      posts: counter.posts,
      logger: server.running.deps.logger,
      maxCharacters: 16 * 1000, // pages up to 1,000 characters are remembered
    });
    try {
      await create(server, token, "short");
      await pages.list(owner.user.id, { limit: 5 });
      await pages.list(owner.user.id, { limit: 5 });
      expect(counter.reads).toBe(1);
      await trpc(server, "posts.create", {
        token,
        input: { title: "long", content: "x".repeat(2000), published: false },
      });
      await pages.changed();
      await pages.list(owner.user.id, { limit: 5 });
      await pages.list(owner.user.id, { limit: 5 });
      expect(counter.reads).toBe(3);
    } finally {
      await pages.close();
    }
  });

  it("do not keep a page read while a write happened", async () => {
    const owner = await registerAndLogin(server);
    const counter = counted();
    const pages = await createPostPages({
      posts: counter.posts,
      logger: server.running.deps.logger,
    });
    try {
      let open = () => {};
      counter.gate = new Promise((resolve) => {
        open = resolve;
      });
      const inFlight = pages.list(owner.user.id, { limit: 5 });
      await pages.changed(); // a write lands while the read is in flight
      open();
      await inFlight;
      counter.gate = undefined;
      await pages.list(owner.user.id, { limit: 5 });
      expect(counter.reads).toBe(2);
    } finally {
      await pages.close();
    }
  });
});

describeEachDatabase("post pages on two instances without Redis", (current) => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer(current());
    b = await startTestServer(current());
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("show a post written on one instance in the other's list within 2 s, and its deletion too", async () => {
    const author = (await registerAndLogin(a)).tokens.accessToken;
    const reader = (await registerAndLogin(a)).tokens.accessToken;
    await list(b, reader); // b remembers the page as it is now
    const id = await create(a, author, "from a");
    const shown = await listUntil(b, reader, (items) => items.includes(`${id}:from a`), 2000);
    expect(shown).toContain(`${id}:from a`);
    await trpc(a, "posts.delete", { token: author, input: { id } });
    const gone = await listUntil(b, reader, (items) => !items.includes(`${id}:from a`), 2000);
    expect(gone).not.toContain(`${id}:from a`);
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
const postgres = databaseTargets().find((target) => target.dialect === "postgres");
describe.skipIf(!redisUrl)(
  `post pages on two instances sharing Redis${redisUrl ? "" : " (skipped: TEST_REDIS_URL not set)"}`,
  () => {
    let a: TestServer;
    let b: TestServer;
    let drop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const { createTestDatabase } = await import("@warden/auth-core/testing");
      const database = await createTestDatabase(
        postgres?.serverUrl ? postgres : (databaseTargets()[0] as never),
      );
      drop = () => database.drop();
      a = await startTestServer(database, { REDIS_URL: redisUrl as string });
      b = await startTestServer(database, { REDIS_URL: redisUrl as string });
      await new Promise((resolve) => setTimeout(resolve, 300)); // both subscribed
    }, 60_000);
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await drop?.();
    });

    // Redis delivers in milliseconds; 400 ms is well inside the second b remembers its page
    // (read just before the write), so only the message can have dropped it.
    it("show a post written on one instance in the other's list within moments, not at expiry", async () => {
      const author = (await registerAndLogin(a)).tokens.accessToken;
      const reader = (await registerAndLogin(a)).tokens.accessToken;
      const entry = (id: string) => `${id}:told through redis`;
      await list(b, reader);
      const id = await create(a, author, "told through redis");
      expect(await listUntil(b, reader, (items) => items.includes(entry(id)), 400)).toContain(
        entry(id),
      );
      await list(b, reader);
      await trpc(a, "posts.delete", { token: author, input: { id } });
      expect(await listUntil(b, reader, (items) => !items.includes(entry(id)), 400)).not.toContain(
        entry(id),
      );
    });
  },
);
