import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import { AuthError } from "../errors.js";
import { hashRecoveryCode, newRecoveryCodes, normaliseRecoveryCode } from "./recovery-codes.js";
import type { SecretEncryption } from "./secret-encryption.js";
import { matchingTimeStep, newTotpSecret, otpauthUri } from "./totp.js";
import * as store from "./two-factor.repository.js";

export const TOTP_ISSUER = "Warden";

/** What an authenticator app needs; shown once, at setup. */
export interface TwoFactorSetup {
  /** Base32, 160 bits: for typing into an app that cannot scan. */
  readonly secret: string;
  /** otpauth://totp/Warden:username?secret=…&issuer=Warden… */
  readonly otpauthUri: string;
  /** The URI as a QR code, an SVG document. */
  readonly qrSvg: string;
}

/**
 * TOTP two-factor state of accounts. No method checks a password or
 * audits, and verifyCode does not count failures: the use cases (and their
 * lockout) are built on this.
 */
export interface TwoFactorService {
  /**
   * A new pending secret for the account, replacing an earlier pending one;
   * nothing is active until `enable`, which never replaces a working secret
   * (the use case refuses a setup while 2FA is on: a new phone means disable first).
   * Throws TWO_FACTOR_UNAVAILABLE in production without WARDEN_KEY_ENCRYPTION_KEY, NOT_FOUND.
   */
  setup(userId: string): Promise<TwoFactorSetup>;
  /**
   * Activates the pending secret if `code` is right for it, and returns 10
   * new recovery codes (earlier ones die); the code's step counts as used.
   * Throws TWO_FACTOR_ALREADY_ENABLED, TWO_FACTOR_SETUP_REQUIRED, INVALID_TWO_FACTOR_CODE.
   */
  enable(userId: string, code: string): Promise<string[]>;
  /** Forgets the secrets and recovery codes; true when 2FA was enabled. */
  disable(userId: string): Promise<boolean>;
  /**
   * Whether `code` is right for the active secret (±1 step) and of a step
   * later than the last accepted one; the step is then recorded, so of two
   * uses of one code (even in parallel) only one is true. False when 2FA is
   * not enabled.
   */
  verifyCode(userId: string, code: string): Promise<boolean>;
  /** Uses a recovery code up: the codes left, or null for a wrong or used one. */
  useRecoveryCode(userId: string, code: string): Promise<{ remaining: number } | null>;
  /** 10 new recovery codes; the old ones die. Throws TWO_FACTOR_NOT_ENABLED. */
  regenerateRecoveryCodes(userId: string): Promise<string[]>;
  isEnabled(userId: string): Promise<boolean>;
  /** Recovery codes the account has left (0 when 2FA is not enabled). */
  recoveryCodesRemaining(userId: string): Promise<number>;
}

export function createTwoFactorService(options: {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly encryption: SecretEncryption;
  /** Row locks (PostgreSQL, MySQL); SQLite runs one write transaction at a time and needs none. */
  readonly lockRows: boolean;
  /** Told when an account's twoFactorEnabled changes, as every other write to a user is (the users-row cache). */
  readonly onUsersChanged?: ((userIds: readonly string[]) => void | Promise<void>) | undefined;
}): TwoFactorService {
  const { db, clock, encryption } = options;
  const changed = async (userId: string) => {
    await options.onUsersChanged?.([userId]);
  };
  const repo = { db, lockRows: options.lockRows };

  function recoveryCodesFor(userId: string): { codes: string[]; hashes: string[] } {
    const codes = newRecoveryCodes();
    return {
      codes,
      hashes: codes.map((code) => hashRecoveryCode(userId, normaliseRecoveryCode(code) ?? code)),
    };
  }

  return {
    async setup(userId) {
      const user = await db
        .selectFrom("users")
        .select("username")
        .where("id", "=", userId)
        .executeTakeFirst();
      if (!user) throw new AuthError("NOT_FOUND", { message: "no such user" });
      const secret = newTotpSecret();
      // Encrypted before anything is written: without a key, nothing is.
      const stored = await encryption.encrypt(secret);
      await store.savePendingSecret(db, userId, stored, clock.nowIso());
      const uri = otpauthUri({ secret, issuer: TOTP_ISSUER, account: user.username });
      // qrcode (and pngjs under it) is imported only when someone enrolls: not at every start.
      const { default: QRCode } = await import("qrcode");
      const qrSvg = await QRCode.toString(uri, {
        type: "svg",
        errorCorrectionLevel: "M",
        margin: 2,
      });
      return { secret, otpauthUri: uri, qrSvg };
    },

    async enable(userId, code) {
      const row = await store.findTwoFactor(db, userId);
      if (row?.enabled === 1) throw new AuthError("TWO_FACTOR_ALREADY_ENABLED");
      if (!row?.pending_secret) throw new AuthError("TWO_FACTOR_SETUP_REQUIRED");
      const secret = await encryption.decrypt(row.pending_secret);
      const step = matchingTimeStep(secret, code, clock.now());
      if (step === null) throw new AuthError("INVALID_TWO_FACTOR_CODE");
      const { codes, hashes } = recoveryCodesFor(userId);
      const activated = await store.activatePendingSecret(
        repo,
        { userId, pendingSecret: row.pending_secret, step, codeHashes: hashes },
        clock.nowIso(),
      );
      // A parallel enable (or a newer setup) got there first.
      if (!activated) throw new AuthError("INVALID_TWO_FACTOR_CODE");
      await changed(userId);
      return codes;
    },

    async disable(userId) {
      const wasEnabled = await store.removeTwoFactor(repo, userId, clock.nowIso());
      await changed(userId);
      return wasEnabled;
    },

    async verifyCode(userId, code) {
      const row = await store.findTwoFactor(db, userId);
      if (row?.enabled !== 1 || !row.secret) return false;
      const now = clock.now();
      const step = matchingTimeStep(
        await encryption.decrypt(row.secret),
        code,
        now,
        row.last_used_step === null ? null : Number(row.last_used_step),
      );
      if (step === null) return false;
      return store.acceptTimeStep(db, userId, step, clock.nowIso());
    },

    async useRecoveryCode(userId, code) {
      const normalised = normaliseRecoveryCode(code);
      if (normalised === null) return null;
      const used = await store.deleteRecoveryCode(db, userId, hashRecoveryCode(userId, normalised));
      if (!used) return null;
      return { remaining: await store.countRecoveryCodes(db, userId) };
    },

    async regenerateRecoveryCodes(userId) {
      const { codes, hashes } = recoveryCodesFor(userId);
      if (!(await store.replaceRecoveryCodes(repo, userId, hashes, clock.nowIso())))
        throw new AuthError("TWO_FACTOR_NOT_ENABLED");
      return codes;
    },

    async isEnabled(userId) {
      return (await store.findTwoFactor(db, userId))?.enabled === 1;
    },

    recoveryCodesRemaining: (userId) => store.countRecoveryCodes(db, userId),
  };
}
