import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { DialectName } from "../db/database.js";
import type { Database } from "../db/schema.js";
import { AuthError, type FieldIssue, invalidInput } from "../errors.js";
import { newId } from "../ids.js";
import { decodeCursor, type Page, toPage } from "../pagination.js";
import type { PasswordHasher } from "../password/password-hasher.js";
import type { PasswordPolicy } from "../password/password-policy.js";
import { type Role, toUser, type User, type UserAccount } from "./user.js";
import * as users from "./user.repository.js";
import {
  displayNameSchema,
  emailSchema,
  type RegistrationInput,
  registrationSchema,
} from "./user-input.js";

/** An identifier resolved for a login; the password hash stays inside. */
export interface LoginCandidate {
  /**
   * What attempts are counted against: the account's id when the identifier
   * names one (its username and email share it), else the identifier in
   * normalized form (Unicode NFKC, trimmed, lower-cased).
   */
  readonly throttleKey: string;
  /** Throws INVALID_CREDENTIALS, in about the same time, for every failure. */
  verify(password: string): Promise<User>;
}

export interface UserServiceOptions {
  readonly db: Kysely<Database>;
  /** Row locks for the last-admin rule; SQLite has none and needs none. */
  readonly dialect: DialectName;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  readonly clock: Clock;
  /** Told of every user this process writes, so that remembered copies are dropped. */
  readonly onChanged?: (userIds: readonly string[]) => void | Promise<void>;
}

export interface UserService {
  /** Throws INVALID_INPUT (each bad field named), USERNAME_TAKEN or EMAIL_TAKEN. */
  register(input: RegistrationInput): Promise<User>;
  /**
   * The account an identifier (username or email) names, if any, ready to
   * check a password against: what login throttles on before bcrypt runs.
   */
  findLoginCandidate(identifier: string): Promise<LoginCandidate>;
  findById(id: string): Promise<User | null>;
  findByUsername(username: string): Promise<User | null>;
  /** The account with this address (case ignored), with whether it is disabled. */
  findByEmail(email: string): Promise<(User & { disabled: boolean }) | null>;
  /** Throws INVALID_INPUT naming currentPassword or newPassword. */
  changePassword(
    userId: string,
    input: { currentPassword: string; newPassword: string },
  ): Promise<void>;
  /** The user, or null when there is none or the account is disabled. */
  findActiveById(id: string): Promise<User | null>;
  /** Throws INVALID_INPUT naming `field` when `password` is not the account's. */
  checkPassword(userId: string, password: string, field: string): Promise<User>;
  /** Sets a new password without the old one (a reset link proved the owner). Throws INVALID_INPUT naming newPassword. */
  resetPassword(userId: string, newPassword: string): Promise<User>;
  /** Throws INVALID_INPUT naming `field` when `newPassword` breaks the policy for this account. */
  checkNewPassword(userId: string, newPassword: string, field: string): Promise<void>;
  /** Marks the address verified if it is still the account's; false when it is not. */
  markEmailVerified(userId: string, email: string): Promise<boolean>;
  /** Throws INVALID_INPUT naming newEmail (malformed, or the account's own), or EMAIL_TAKEN. */
  checkNewEmail(userId: string, newEmail: string): Promise<string>;
  /** Moves the account to a new, verified address. Throws EMAIL_TAKEN when another account took it meanwhile. */
  replaceEmail(userId: string, newEmail: string): Promise<User>;
  /** Throws INVALID_INPUT naming name. */
  updateName(userId: string, name: string): Promise<User>;
  /** Deletes the account for good. Throws NOT_FOUND or LAST_ADMIN. */
  delete(userId: string): Promise<void>;
  /**
   * Throws NOT_FOUND or LAST_ADMIN if deleting the account would be refused
   * now: a check before the sessions end (delete itself decides races).
   */
  checkDeletable(userId: string): Promise<void>;
  /** Oldest first; `query` matches username, email or name, ignoring case. */
  list(options: {
    limit: number;
    cursor?: string | null | undefined;
    query?: string | undefined;
  }): Promise<Page<User>>;
  /**
   * Throws NOT_FOUND, or LAST_ADMIN when it would leave no active admin.
   * `changed` says whether the role was another before, read in the same
   * atomic step as the change.
   */
  setRole(userId: string, role: Role): Promise<User & { changed: boolean }>;
  /** Throws NOT_FOUND, or LAST_ADMIN when it would leave no active admin. */
  setDisabled(userId: string, disabled: boolean): Promise<User>;
  /** Users written after `since`, for caches of user rows in other processes. */
  changedSince(since: Date): Promise<{ id: string; updatedAt: string }[]>;
}

export function createUserService(options: UserServiceOptions): UserService {
  const { db, hasher, policy, clock } = options;
  const lockRows = options.dialect !== "sqlite";
  // Awaited, so that when the caller hears "done", every instance has been told.
  const changed = async (userId: string) => {
    await options.onChanged?.([userId]);
  };

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

  /** Applies a role or disabled change under the last-admin rule; returns what it was before. */
  async function changeKeepingAnAdmin(
    id: string,
    change: { role?: Role; disabled?: boolean },
  ): Promise<{ role: Role; disabled: boolean }> {
    const result = await users.updateKeepingAnAdmin(db, { lockRows }, id, change, clock.nowIso());
    if (result.outcome !== "updated") {
      throw result.outcome === "not_found"
        ? new AuthError("NOT_FOUND", { message: "no such user" })
        : new AuthError("LAST_ADMIN");
    }
    return result.previous;
  }

  return {
    async changedSince(since) {
      return users.findChangedSince(db, since.toISOString());
    },

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
        emailVerified: false,
        twoFactorEnabled: false,
      };
      const collision = await users.insertUser(db, account, now);
      if (collision) throw takenError(collision);
      return toUser(account);
    },

    async findLoginCandidate(identifier) {
      const account = await users.findUserByLogin(db, identifier);
      return {
        throttleKey: account
          ? accountThrottleKey(account.id)
          : `name:${identifier.normalize("NFKC").trim().toLowerCase()}`,
        async verify(password) {
          // Verify against a dummy hash so an unknown user takes as long as a wrong password.
          const valid = account
            ? await hasher.verify(password, account.passwordHash)
            : await hasher.verifyDummy(password);
          // A disabled account gets the same answer as a wrong password, after the same work.
          if (!account || !valid || account.disabled) throw new AuthError("INVALID_CREDENTIALS");
          return toUser(account);
        },
      };
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

    async findByEmail(email) {
      if (!email.includes("@")) return null;
      const account = await users.findUserByLogin(db, email);
      return account ? { ...toUser(account), disabled: account.disabled } : null;
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
      await changed(userId);
    },

    async checkPassword(userId, password, field) {
      const account = await requireAccount(userId);
      if (!(await hasher.verify(password, account.passwordHash))) {
        throw invalidInput([{ field, message: "is not your current password" }]);
      }
      return toUser(account);
    },

    async checkNewPassword(userId, newPassword, field) {
      const account = await requireAccount(userId);
      const issues = policyIssues(newPassword, account, field);
      if (issues.length > 0) throw invalidInput(issues);
    },

    async resetPassword(userId, newPassword) {
      const account = await requireAccount(userId);
      const issues = policyIssues(newPassword, account, "newPassword");
      if (issues.length > 0) throw invalidInput(issues);
      await users.updatePasswordHash(db, userId, await hasher.hash(newPassword), clock.nowIso());
      await changed(userId);
      return toUser(account);
    },

    async markEmailVerified(userId, email) {
      const marked = await users.markEmailVerified(db, userId, email, clock.nowIso());
      if (marked) await changed(userId);
      return marked;
    },

    async checkNewEmail(userId, newEmail) {
      const parsed = emailSchema.safeParse(newEmail);
      if (!parsed.success) {
        throw invalidInput(
          parsed.error.issues.map((issue) => ({ field: "newEmail", message: issue.message })),
        );
      }
      const account = await requireAccount(userId);
      if (account.email.toLowerCase() === parsed.data.toLowerCase()) {
        throw invalidInput([{ field: "newEmail", message: "is already your email address" }]);
      }
      if (await users.emailTaken(db, parsed.data, userId)) {
        throw new AuthError("EMAIL_TAKEN", {
          issues: [{ field: "newEmail", message: "is already registered" }],
        });
      }
      return parsed.data;
    },

    async replaceEmail(userId, newEmail) {
      await requireAccount(userId);
      if (!(await users.replaceEmail(db, userId, newEmail, clock.nowIso()))) {
        throw new AuthError("EMAIL_TAKEN", {
          message: "another account took this address meanwhile",
          issues: [{ field: "email", message: "is already registered" }],
        });
      }
      await changed(userId);
      return toUser(await requireAccount(userId));
    },

    async updateName(userId, name) {
      const parsed = displayNameSchema.safeParse(name);
      if (!parsed.success) {
        throw invalidInput(
          parsed.error.issues.map((issue) => ({ field: "name", message: issue.message })),
        );
      }
      await requireAccount(userId);
      await users.updateName(db, userId, parsed.data.trim(), clock.nowIso());
      await changed(userId);
      return toUser(await requireAccount(userId));
    },

    async checkDeletable(userId) {
      const account = await requireAccount(userId);
      if (account.role === "admin" && !account.disabled) {
        const admins = await users.countActiveAdmins(db);
        if (admins <= 1)
          throw new AuthError("LAST_ADMIN", { message: "the last admin cannot be deleted" });
      }
    },

    async delete(userId) {
      const outcome = await users.deleteKeepingAnAdmin(db, { lockRows }, userId);
      if (outcome === "not_found") throw new AuthError("NOT_FOUND", { message: "no such user" });
      if (outcome === "last_admin")
        throw new AuthError("LAST_ADMIN", { message: "the last admin cannot be deleted" });
      await changed(userId);
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
      const previous = await changeKeepingAnAdmin(userId, { role });
      await changed(userId);
      return { ...toUser(await requireAccount(userId)), changed: previous.role !== role };
    },

    async setDisabled(userId, disabled) {
      await changeKeepingAnAdmin(userId, { disabled });
      await changed(userId);
      return toUser(await requireAccount(userId));
    },
  };
}

/** The key an account's password attempts are counted under, at login and elsewhere. */
export function accountThrottleKey(userId: string): string {
  return `user:${userId}`;
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
