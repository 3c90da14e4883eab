import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import { uniqueViolationColumn } from "../db/unique-violation.js";
import { AuthError, type FieldIssue, invalidInput } from "../errors.js";
import { newId } from "../ids.js";
import { decodeCursor, type Page, toPage } from "../pagination.js";
import type { PasswordHasher } from "../password/password-hasher.js";
import { passwordPolicyViolation } from "../password/password-policy.js";
import { type Role, toUser, type User } from "./user.js";
import * as users from "./user.repository.js";
import { type CredentialsInput, type RegistrationInput, registrationSchema } from "./user-input.js";

export interface UserServiceOptions {
  readonly db: Kysely<Database>;
  readonly hasher: PasswordHasher;
  readonly passwordMinLength: number;
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
  setRole(userId: string, role: Role): Promise<User>;
  setDisabled(userId: string, disabled: boolean): Promise<User>;
}

export function createUserService(options: UserServiceOptions): UserService {
  const { db, hasher, passwordMinLength, clock } = options;

  function policyIssues(
    password: string,
    context: { username: string; email: string },
    field: string,
  ): FieldIssue[] {
    const violation = passwordPolicyViolation(password, {
      minLength: passwordMinLength,
      ...context,
    });
    return violation ? [{ field, message: violation }] : [];
  }

  async function requireUser(id: string) {
    const row = await users.findUserById(db, id);
    if (!row) throw new AuthError("NOT_FOUND", { message: "no such user" });
    return row;
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
      // unique indexes below still decide races between concurrent registrations.
      const taken = await users.findTakenIdentity(db, { username, email });
      if (taken)
        throw takenError(
          taken.username_key === users.usernameKey(username) ? "username_key" : "email_key",
        );

      const now = clock.nowIso();
      const row = {
        id: newId(),
        username,
        username_key: users.usernameKey(username),
        email,
        email_key: users.emailKey(email),
        name: name.trim(),
        password_hash: await hasher.hash(password),
        role: "user" as const,
        disabled: 0,
        created_at: now,
        updated_at: now,
      };
      try {
        await users.insertUser(db, row);
      } catch (error) {
        const column = uniqueViolationColumn(error, ["username_key", "email_key"]);
        if (column) throw takenError(column);
        throw error;
      }
      return toUser(row);
    },

    async authenticate({ username, password }) {
      const row = await users.findUserByLogin(db, username);
      // Verify against a dummy hash so an unknown user takes as long as a wrong password.
      const valid = row
        ? await hasher.verify(password, row.password_hash)
        : await hasher.verifyDummy(password);
      // A disabled account gets the same answer as a wrong password, after the same work.
      if (!row || !valid || row.disabled) throw new AuthError("INVALID_CREDENTIALS");
      return toUser(row);
    },

    async findById(id) {
      const row = await users.findUserById(db, id);
      return row ? toUser(row) : null;
    },

    async findByUsername(username) {
      // findUserByLogin reads an "@" as an email; a username never has one.
      if (username.includes("@")) return null;
      const row = await users.findUserByLogin(db, username);
      return row ? toUser(row) : null;
    },

    async changePassword(userId, { currentPassword, newPassword }) {
      const row = await requireUser(userId);
      if (!(await hasher.verify(currentPassword, row.password_hash))) {
        throw invalidInput([{ field: "currentPassword", message: "is not your current password" }]);
      }
      const issues = policyIssues(
        newPassword,
        { username: row.username, email: row.email },
        "newPassword",
      );
      if (issues.length > 0) throw invalidInput(issues);
      await users.updatePasswordHash(db, userId, await hasher.hash(newPassword), clock.nowIso());
    },

    async findActiveById(id) {
      const row = await users.findUserById(db, id);
      return row && row.disabled !== 1 ? toUser(row) : null;
    },

    async list({ limit, cursor, query }) {
      const rows = await users.listUsers(db, {
        limit: limit + 1,
        after: decodeCursor(cursor),
        query,
      });
      return toPage(rows, limit, toUser, (row) => row.created_at);
    },

    async setRole(userId, role) {
      const row = await requireUser(userId);
      if (
        row.role === "admin" &&
        role !== "admin" &&
        !row.disabled &&
        (await users.countActiveAdmins(db)) <= 1
      ) {
        throw new AuthError("LAST_ADMIN");
      }
      await users.updateRole(db, userId, role, clock.nowIso());
      return toUser({ ...row, role });
    },

    async setDisabled(userId, disabled) {
      const row = await requireUser(userId);
      if (
        disabled &&
        row.role === "admin" &&
        !row.disabled &&
        (await users.countActiveAdmins(db)) <= 1
      ) {
        throw new AuthError("LAST_ADMIN");
      }
      await users.updateDisabled(db, userId, disabled, clock.nowIso());
      return toUser(row);
    },
  };
}

function takenError(column: string): AuthError {
  return column === "email_key"
    ? new AuthError("EMAIL_TAKEN", {
        issues: [{ field: "email", message: "is already registered" }],
      })
    : new AuthError("USERNAME_TAKEN", {
        issues: [{ field: "username", message: "is already taken" }],
      });
}
