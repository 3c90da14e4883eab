import { describeEachDatabase } from "@warden/auth-core/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  registerAndLogin,
  startTestServer,
  type TestServer,
  trpc,
} from "../testing/test-server.js";

interface Post {
  id: string;
  title: string;
  published: boolean;
  ownerId: string;
}

describeEachDatabase("posts over HTTP", (current) => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    server = await startTestServer(current());
    alice = (await registerAndLogin(server)).tokens.accessToken;
    bob = (await registerAndLogin(server)).tokens.accessToken;
  });
  afterAll(async () => server?.close());

  const create = async (token: string, title: string, published: boolean) =>
    (
      await trpc<Post>(server, "posts.create", {
        token,
        input: { title, content: `about ${title}`, published },
      })
    ).data as Post;

  it("lists published posts and the caller's own drafts, newest first, with a cursor", async () => {
    const aliceDraft = await create(alice, "alice draft", false);
    const alicePublic = await create(alice, "alice public", true);
    const bobDraft = await create(bob, "bob draft", false);
    const bobPublic = await create(bob, "bob public", true);

    const seenByBob = await trpc<{ items: Post[]; nextCursor: string | null }>(
      server,
      "posts.list",
      { query: true, token: bob, input: {} },
    );
    expect(seenByBob.data?.items.map((p) => p.id)).toEqual([
      bobPublic.id,
      bobDraft.id,
      alicePublic.id,
    ]);
    expect(seenByBob.data?.nextCursor).toBeNull();

    const first = await trpc<{ items: Post[]; nextCursor: string | null }>(server, "posts.list", {
      query: true,
      token: alice,
      input: { limit: 2 },
    });
    expect(first.data?.items.map((p) => p.id)).toEqual([bobPublic.id, alicePublic.id]);
    const second = await trpc<{ items: Post[]; nextCursor: string | null }>(server, "posts.list", {
      query: true,
      token: alice,
      input: { limit: 2, cursor: first.data?.nextCursor },
    });
    expect(second.data?.items.map((p) => p.id)).toEqual([aliceDraft.id]);

    const badCursor = await trpc(server, "posts.list", {
      query: true,
      token: alice,
      input: { cursor: "garbage" },
    });
    expect(badCursor.status).toBe(400);
  });

  it("someone else's draft is NOT_FOUND; their published post can be read but not changed (FORBIDDEN)", async () => {
    const draft = await create(alice, "secret", false);
    const published = await create(alice, "open", true);
    expect(
      (await trpc(server, "posts.byId", { query: true, token: bob, input: { id: draft.id } }))
        .status,
    ).toBe(404);
    expect(
      (await trpc(server, "posts.update", { token: bob, input: { id: draft.id, title: "x" } }))
        .status,
    ).toBe(404);
    expect(
      (
        await trpc<Post>(server, "posts.byId", {
          query: true,
          token: bob,
          input: { id: published.id },
        })
      ).data?.title,
    ).toBe("open");
    expect(
      (
        await trpc(server, "posts.update", {
          token: bob,
          input: { id: published.id, title: "mine now" },
        })
      ).status,
    ).toBe(403);
    expect(
      (await trpc(server, "posts.delete", { token: bob, input: { id: published.id } })).status,
    ).toBe(403);
  });

  it("the owner updates and deletes", async () => {
    const post = await create(alice, "draft", false);
    const updated = await trpc<Post>(server, "posts.update", {
      token: alice,
      input: { id: post.id, title: "final", published: true },
    });
    expect(updated.data).toMatchObject({ id: post.id, title: "final", published: true });
    expect(
      (await trpc(server, "posts.delete", { token: alice, input: { id: post.id } })).data,
    ).toEqual({ ok: true });
    expect(
      (await trpc(server, "posts.byId", { query: true, token: alice, input: { id: post.id } }))
        .status,
    ).toBe(404);
  });

  it("refuses bad input with BAD_REQUEST and creates nothing", async () => {
    const bad = await trpc(server, "posts.create", {
      token: alice,
      input: { title: "", content: 5 },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.error?.data.fieldErrors ?? {}).sort()).toEqual(["content", "title"]);
  });
});
