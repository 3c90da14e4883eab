import { hash } from "@node-rs/bcrypt";
import { beforeAll, expect, it } from "vitest";
import { AuthError } from "../errors.js";
import { describeEachDatabase } from "../testing/describe-each-database.js";
import { createTestWarden } from "../testing/test-warden.js";
import type { Warden } from "../warden.js";

const password = "tangerine-orbit-47";

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    if (error instanceof AuthError) return error.code;
    throw error;
  }
}

describeEachDatabase("users", (current) => {
  let warden: Warden;
  beforeAll(async () => {
    warden = await createTestWarden(current().database);
  });
  /** What a login checks: the identifier resolved, then the password verified. */
  const authenticate = async (credentials: { username: string; password: string }) =>
    (await warden.users.findLoginCandidate(credentials.username)).verify(credentials.password);

  it("registers a user and returns it without any hash", async () => {
    const user = await warden.users.register({
      username: "Alice",
      email: "Alice@Example.com",
      name: "Alice A",
      password,
    });
    expect(user).toEqual({
      id: expect.any(String),
      username: "Alice",
      email: "Alice@Example.com",
      name: "Alice A",
      role: "user",
      emailVerified: false,
      twoFactorEnabled: false,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(JSON.stringify(user)).not.toMatch(/\$2b\$|password/);
  });

  it("refuses a username or email already taken, ignoring case", async () => {
    expect(
      await codeOf(
        warden.users.register({
          username: "ALICE",
          email: "other@example.com",
          name: "X",
          password,
        }),
      ),
    ).toBe("USERNAME_TAKEN");
    expect(
      await codeOf(
        warden.users.register({
          username: "alice2",
          email: "alice@EXAMPLE.com",
          name: "X",
          password,
        }),
      ),
    ).toBe("EMAIL_TAKEN");
  });

  it("20 concurrent registrations of one username give one user and 19 typed conflicts", async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        codeOf(
          warden.users.register({
            username: "racer",
            email: `racer${i}@example.com`,
            name: "Racer",
            password,
          }),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === "resolved")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "USERNAME_TAKEN")).toHaveLength(19);
    const count = await current()
      .database.db.selectFrom("users")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("username_key", "=", "racer")
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  }, 60_000);

  it("names each bad field and changes nothing", async () => {
    const error = await warden.users
      .register({ username: "x", email: "not-an-email", name: "", password: "password" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    const fields = (error as AuthError).issues.map((issue) => issue.field).sort();
    expect(fields).toEqual(["email", "name", "username"]);
    expect(await warden.users.findByUsername("x")).toBeNull();
  });

  it("applies the password policy at registration", async () => {
    const error = (await warden.users
      .register({
        username: "bob",
        email: "bob@example.com",
        name: "Bob",
        password: "bob-is-great-1",
      })
      .catch((e: unknown) => e)) as AuthError;
    expect(error.code).toBe("INVALID_INPUT");
    expect(error.issues).toEqual([{ field: "password", message: "must not contain the username" }]);
  });

  it("authenticates by username or email, ignoring case", async () => {
    expect((await authenticate({ username: "aLiCe", password })).username).toBe("Alice");
    expect((await authenticate({ username: "ALICE@example.COM", password })).username).toBe(
      "Alice",
    );
  });

  it("gives one outcome for an unknown user, a wrong password and a disabled account", async () => {
    expect(await codeOf(authenticate({ username: "nobody", password }))).toBe(
      "INVALID_CREDENTIALS",
    );
    expect(await codeOf(authenticate({ username: "alice", password: `${password}x` }))).toBe(
      "INVALID_CREDENTIALS",
    );
    const carol = await warden.users.register({
      username: "carol",
      email: "carol@example.com",
      name: "Carol",
      password,
    });
    await warden.users.setDisabled(carol.id, true);
    expect(await codeOf(authenticate({ username: "carol", password }))).toBe("INVALID_CREDENTIALS");
  });

  it("a 100-character password logs in only in full", async () => {
    const long = "k3y-".repeat(25);
    await warden.users.register({
      username: "longpw",
      email: "longpw@example.com",
      name: "Long",
      password: long,
    });
    expect((await authenticate({ username: "longpw", password: long })).username).toBe("longpw");
    expect(await codeOf(authenticate({ username: "longpw", password: long.slice(0, 72) }))).toBe(
      "INVALID_CREDENTIALS",
    );
  });

  it("an imported plain bcrypt hash verifies", async () => {
    const user = await warden.users.register({
      username: "imported",
      email: "imported@example.com",
      name: "I",
      password,
    });
    await current()
      .database.db.updateTable("users")
      .set({ password_hash: await hash("legacy-pass-2019", { cost: 4, version: "2a" }) })
      .where("id", "=", user.id)
      .execute();
    expect((await authenticate({ username: "imported", password: "legacy-pass-2019" })).id).toBe(
      user.id,
    );
  });

  it("changes a password only with the current one, naming the field that is wrong", async () => {
    const dave = await warden.users.register({
      username: "dave",
      email: "dave@example.com",
      name: "Dave",
      password,
    });
    const wrong = (await warden.users
      .changePassword(dave.id, {
        currentPassword: "not-it-at-all",
        newPassword: "brand-new-secret-9",
      })
      .catch((e: unknown) => e)) as AuthError;
    expect(wrong.issues.map((i) => i.field)).toEqual(["currentPassword"]);
    await warden.users.changePassword(dave.id, {
      currentPassword: password,
      newPassword: "brand-new-secret-9",
    });
    expect((await authenticate({ username: "dave", password: "brand-new-secret-9" })).id).toBe(
      dave.id,
    );
    expect(await codeOf(authenticate({ username: "dave", password }))).toBe("INVALID_CREDENTIALS");
  });

  it("never demotes or disables the last admin", async () => {
    const grace = await warden.users.register({
      username: "grace",
      email: "grace@example.com",
      name: "Grace",
      password,
    });
    await warden.users.setRole(grace.id, "admin");
    expect(await codeOf(warden.users.setRole(grace.id, "user"))).toBe("LAST_ADMIN");
    expect(await codeOf(warden.users.setDisabled(grace.id, true))).toBe("LAST_ADMIN");
    const frank = await warden.users.register({
      username: "frank",
      email: "frank@example.com",
      name: "Frank",
      password,
    });
    await warden.users.setRole(frank.id, "admin");
    expect((await warden.users.setRole(grace.id, "user")).role).toBe("user");
  });
});
