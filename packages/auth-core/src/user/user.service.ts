import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import { AuthError, type FieldIssue, invalidInput } from "../errors.js";
import { newId } from "../ids.js";
import { decodeCursor, type Page, toPage } from "../pagination.js";
import type { PasswordHasher } from "../password/password-hasher.js";
import type { PasswordPolicy } from "../password/password-policy.js";
import { type Role, toUser, type User, type UserAccount } from "./user.js";
import * as users from "./user.repository.js";
import { type CredentialsInput, type RegistrationInput, registrationSchema } from "./user-input.js";

export interface UserServiceOptions {
  readonly db: Kysely<Database>;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  readonly clock: Clock;
}

export interface UserService {
  /** Throws INVALID_INPUT (each bad field named), USERNAME_TAKEN or EMAIL_TAKEN. */
  register(input: RegistrationInput): Promise<User>;
  /** One outcome for every failure: INVALID_CREDENTIALS, in about the same time. */
  authenticate(credentials: CredentialsInput): Promise<User>;
  findById(id: string): Promise<User | null>;
  findByUsername(username: string): Promise<User | null>;
  /** Throws INVALID_INPUT naming currentPassword or newPassword. */
  changePassword(
    userId: string,
    input: { currentPassword: string; newPassword: string },
  ): Promise<void>;
  /** The user, or null when there is none or the account is disabled. */
  findActiveById(id: string): Promise<User | null>;
  /** Oldest first; `query` matches username, email or name, ignoring case. */
  list(options: {
    limit: number;
    cursor?: string | null | undefined;
    query?: string | undefined;
  }): Promise<Page<User>>;
  /** Throws NOT_FOUND, or LAST_ADMIN when it would leave no active admin. */
  setRole(userId: string, role: Role): Promise<User>;
  /** Throws NOT_FOUND, or LAST_ADMIN when it would leave no active admin. */
  setDisabled(userId: string, disabled: boolean): Promise<User>;
}

export function createUserService(options: UserServiceOptions): UserService {
  const { db, hasher, policy, clock } = options;

  function policyIssues(
    password: string,
    context: { username: string; email: string },
    field: string,
  ): FieldIssue[] {
    const violation = policy.violation(password, context);
    return violation ? [{ field, message: violation }] : [];
  }

  async function requireAccount(id: string): Promise<UserAccount> {
    const account = await users.findUserById(db, id);
    if (!account) throw new AuthError("NOT_FOUND", { message: "no such user" });
    return account;
  }

  /** Whether taking `account` out of the active admins would leave none. */
  async function isLastActiveAdmin(account: UserAccount): Promise<boolean> {
    return (
      account.role === "admin" && !account.disabled && (await users.countActiveAdmins(db)) <= 1
    );
  }

  return {
    async register(input) {
      const parsed = registrationSchema.safeParse(input);
      if (!parsed.success) {
        throw invalidInput(
          parsed.error.issues.map((issue) => ({
            field: issue.path.join("."),
            message: issue.message,
          })),
        );
      }
      const { username, email, name, password } = parsed.data;
      const issues = policyIssues(password, { username, email }, "password");
      if (issues.length > 0) throw invalidInput(issues);

      // A cheap check first so a taken name does not cost a bcrypt hash; the
      // unique indexes still decide races between concurrent registrations.
      const taken = await users.findTakenIdentity(db, { username, email });
      if (taken) throw takenError(taken);

      const now = clock.nowIso();
      const account: UserAccount = {
        id: newId(),
        username,
        email,
        name: name.trim(),
        role: "user",
        createdAt: now,
        passwordHash: await hasher.hash(password),
        disabled: false,
      };
      const collision = await users.insertUser(db, account, now);
      if (collision) throw takenError(collision);
      return toUser(account);
    },

    async authenticate({ username, password }) {
      const account = await users.findUserByLogin(db, username);
      // Verify against a dummy hash so an unknown user takes as long as a wrong password.
      const valid = account
        ? await hasher.verify(password, account.passwordHash)
        : await hasher.verifyDummy(password);
      // A disabled account gets the same answer as a wrong password, after the same work.
      if (!account || !valid || account.disabled) throw new AuthError("INVALID_CREDENTIALS");
      return toUser(account);
    },

    async findById(id) {
      const account = await users.findUserById(db, id);
      return account ? toUser(account) : null;
    },

    async findByUsername(username) {
      // findUserByLogin reads an "@" as an email; a username never has one.
      if (username.includes("@")) return null;
      const account = await users.findUserByLogin(db, username);
      return account ? toUser(account) : null;
    },

    async changePassword(userId, { currentPassword, newPassword }) {
      const account = await requireAccount(userId);
      if (!(await hasher.verify(currentPassword, account.passwordHash))) {
        throw invalidInput([{ field: "currentPassword", message: "is not your current password" }]);
      }
      const issues = policyIssues(
        newPassword,
        { username: account.username, email: account.email },
        "newPassword",
      );
      if (issues.length > 0) throw invalidInput(issues);
      await users.updatePasswordHash(db, userId, await hasher.hash(newPassword), clock.nowIso());
    },

    async findActiveById(id) {
      const account = await users.findUserById(db, id);
      return account && !account.disabled ? toUser(account) : null;
    },

    async list({ limit, cursor, query }) {
      const accounts = await users.listUsers(db, {
        limit: limit + 1,
        after: decodeCursor(cursor),
        query,
      });
      const page = toPage(accounts, limit, (account) => account.createdAt);
      return { ...page, items: page.items.map(toUser) };
    },

    async setRole(userId, role) {
      const account = await requireAccount(userId);
      if (role !== "admin" && (await isLastActiveAdmin(account))) throw new AuthError("LAST_ADMIN");
      await users.updateRole(db, userId, role, clock.nowIso());
      return toUser({ ...account, role });
    },

    async setDisabled(userId, disabled) {
      const account = await requireAccount(userId);
      if (disabled && (await isLastActiveAdmin(account))) throw new AuthError("LAST_ADMIN");
      await users.updateDisabled(db, userId, disabled, clock.nowIso());
      return toUser(account);
    },
  };
}

function takenError(identity: users.TakenIdentity): AuthError {
  return identity === "email"
    ? new AuthError("EMAIL_TAKEN", {
        issues: [{ field: "email", message: "is already registered" }],
      })
    : new AuthError("USERNAME_TAKEN", {
        issues: [{ field: "username", message: "is already taken" }],
      });
}
