import type { AddressInfo } from "node:net";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { createTestDatabase, databaseTargets, type TestDatabase } from "@warden/auth-core/testing";
import {
  registerAndLogin,
  startTestServer,
  TEST_ISSUER,
  type TestServer,
  trpc,
} from "@warden/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NotesRouter } from "./notes-router.js";
import { createNotesService } from "./notes-service.js";

const kidOf = (token: string): string =>
  JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString()).kid;

describe("notes-service with Warden [sqlite]", () => {
  let database: TestDatabase;
  let warden: TestServer;
  let notesUrl: string;
  let closeNotes: () => Promise<void>;

  const notesAs = (token: string) =>
    createTRPCClient<NotesRouter>({
      links: [httpLink({ url: notesUrl, headers: { authorization: `Bearer ${token}` } })],
    });

  beforeAll(async () => {
    database = await createTestDatabase(
      databaseTargets().find((t) => t.dialect === "sqlite") as never,
    );
    warden = await startTestServer(database);
    // The first admin, as `warden-server promote` makes one, creates the service's client.
    const admin = await registerAndLogin(warden);
    await warden.running.deps.warden.users.setRole(admin.user.id, "admin");
    const adminToken = (
      await trpc<{ accessToken: string }>(warden, "auth.login", {
        input: { username: admin.user.username, password: admin.password },
      })
    ).data?.accessToken as string;
    const client = await trpc<{ clientId: string; clientSecret: string }>(
      warden,
      "admin.clients.create",
      {
        token: adminToken,
        input: { name: "notes-service", scopes: ["users:read"] },
      },
    );

    const server = createNotesService({
      wardenUrl: warden.url,
      issuer: TEST_ISSUER,
      clientId: client.data?.clientId as string,
      clientSecret: client.data?.clientSecret as string,
      jwksCooldownSeconds: 0,
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    notesUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closeNotes = () => new Promise((resolve) => server.close(() => resolve()));
  }, 60_000);

  afterAll(async () => {
    await closeNotes?.();
    await warden?.close();
    await database?.drop();
  });

  it("accepts Warden user tokens verified locally, and shows authors fetched with its service token", async () => {
    const ada = await registerAndLogin(warden, { username: "ada_notes" });
    const note = await notesAs(ada.tokens.accessToken).notes.create.mutate({
      text: "hello from ada",
    });
    expect(note).toMatchObject({ text: "hello from ada", authorId: ada.user.id });
    const list = await notesAs(ada.tokens.accessToken).notes.list.query();
    expect(list).toEqual([
      expect.objectContaining({
        text: "hello from ada",
        author: expect.objectContaining({ id: ada.user.id, username: "ada_notes" }),
      }),
    ]);
    // The public profile only: no email, no role.
    expect(Object.keys(list[0]?.author ?? {}).sort()).toEqual([
      "createdAt",
      "id",
      "name",
      "username",
    ]);
  });

  it("refuses a missing or forged token", async () => {
    const error = await notesAs("not-a-token")
      .notes.list.query()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<NotesRouter>).data?.code).toBe("UNAUTHORIZED");
  });

  it("keeps working across a key rotation: old tokens until they expire, new ones after a JWKS refetch", async () => {
    const before = await registerAndLogin(warden);
    await notesAs(before.tokens.accessToken).notes.list.query();
    const oldKid = kidOf(before.tokens.accessToken);

    const rotated = await warden.running.deps.warden.keyRing.rotate();
    await warden.running.deps.warden.keyRing.reload();
    expect(rotated.kid).not.toBe(oldKid);

    // A token signed by the old key still verifies, at the service and at Warden.
    await notesAs(before.tokens.accessToken).notes.create.mutate({ text: "signed by the old key" });
    // A new login is signed by the new key; the service has never seen it and refetches the JWKS.
    const after = await trpc<{ accessToken: string }>(warden, "auth.login", {
      input: { username: before.user.username, password: before.password },
    });
    const newToken = after.data?.accessToken as string;
    expect(kidOf(newToken)).toBe(rotated.kid);
    const list = await notesAs(newToken).notes.list.query();
    expect(list.map((n) => n.text)).toContain("signed by the old key");
  });
});
