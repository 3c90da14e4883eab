import { createHmac } from "node:crypto";
import { availableParallelism } from "node:os";
import {
  hash as bcryptHash,
  verify as bcryptVerify,
  genSalt,
  type Password,
} from "@node-rs/bcrypt";
import { AuthError } from "../errors.js";
import { createConcurrencyLimit, QueueFull } from "./concurrency-limit.js";

/** bcrypt reads at most this many bytes of a password and silently drops the rest. */
const BCRYPT_MAX_BYTES = 72;
const PREHASH_PREFIX = "$bcrypt-sha256$";

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, storedHash: string): Promise<boolean>;
  /**
   * Spends the time of one verification and returns false. Used for unknown
   * users so that "no such user" and "wrong password" take the same time.
   */
  verifyDummy(password: string): Promise<false>;
}

/**
 * bcrypt through @node-rs/bcrypt, which runs on libuv's thread pool and so
 * keeps the event loop free.
 *
 * Passwords of at most 72 UTF-8 bytes are stored as plain `$2b$` hashes.
 * Longer ones are first reduced to base64(HMAC-SHA-256(key = salt, password))
 * and stored in passlib's `bcrypt_sha256` v2 format, so every character counts
 * and the hash stays readable by passlib.
 */
export function createPasswordHasher(options: {
  cost: number;
  /**
   * Hashes running at once; the rest queue. Default: one more than the
   * number of cores. With exactly one per core, a core waits each time a
   * hash ends until the event loop hands its slot to the next login (the
   * login's own database writes and token signing come first): measured
   * with `pnpm bench` at cost 10, logins reached 88–91 % of the bcrypt
   * floor, and 93 % with one hash more, health checks answering within the
   * same p99 (5.5 ms) while logins saturate the server. Never more than
   * libuv's thread pool less one (`UV_THREADPOOL_SIZE`, 4 by default), so
   * log writes, DNS lookups and file reads always find a thread: on more
   * than two cores, raise `UV_THREADPOOL_SIZE` to let more hashes run.
   */
  maxConcurrent?: number;
  /** Hashes waiting at most; past that, new password work is turned away. Default: 64 per core. */
  maxWaiting?: number;
}): PasswordHasher {
  const { cost } = options;
  const cores = availableParallelism();
  const queue = createConcurrencyLimit(
    options.maxConcurrent ?? Math.max(1, Math.min(cores + 1, threadPoolSize() - 1)),
    options.maxWaiting ?? 64 * cores,
  );
  // A full queue answers BUSY (503 with Retry-After) at once: anyone can make
  // bcrypt work, and an unbounded queue would make every login wait behind it.
  const limit = <T>(task: () => Promise<T>): Promise<T> =>
    queue(task).catch((error: unknown) => {
      if (error instanceof QueueFull) throw new AuthError("BUSY", { retryAfterSeconds: 1 });
      throw error;
    });
  const hash = (password: Password, hashOptions: Parameters<typeof bcryptHash>[1]) =>
    limit(() => bcryptHash(password, hashOptions));
  const verify = (password: Password, stored: string) =>
    limit(() => bcryptVerify(password, stored));
  // Made once per process, at the configured cost, so a dummy check costs
  // exactly what a real one does.
  const dummyHash = hash("warden-dummy-password-for-unknown-users", { cost });

  return {
    async hash(password) {
      if (Buffer.byteLength(password, "utf8") <= BCRYPT_MAX_BYTES) {
        return hash(password, { cost, version: "2b" });
      }
      const salt = await genSalt({ cost, version: "2b" });
      const salt22 = salt.slice(-22);
      const saltedHash = await hash(prehash(password, salt22), { salt });
      // "$2b$12$" + 22 salt chars + 31 checksum chars
      return `${PREHASH_PREFIX}v=2,t=2b,r=${cost}$${salt22}$${saltedHash.slice(-31)}`;
    },

    async verify(password, storedHash) {
      if (storedHash.startsWith(PREHASH_PREFIX)) {
        const parsed =
          /^\$bcrypt-sha256\$v=2,t=(2[ab]),r=(\d{1,2})\$([./A-Za-z0-9]{22})\$([./A-Za-z0-9]{31})$/.exec(
            storedHash,
          );
        if (!parsed) return false;
        const [, variant, rounds, salt22, checksum] = parsed as unknown as [
          string,
          string,
          string,
          string,
          string,
        ];
        const plainHash = `$${variant}$${rounds.padStart(2, "0")}$${salt22}${checksum}`;
        return verify(prehash(password, salt22), plainHash);
      }
      // A plain hash (ours, or imported from another bcrypt service) only ever
      // saw the first 72 bytes; accepting a longer password would accept any
      // password that shares those 72 bytes, so it is refused outright.
      if (Buffer.byteLength(password, "utf8") > BCRYPT_MAX_BYTES) {
        await verify(password, await dummyHash);
        return false;
      }
      return verify(password, storedHash);
    },

    async verifyDummy(password) {
      await verify(password.slice(0, BCRYPT_MAX_BYTES), await dummyHash);
      return false;
    },
  };
}

function prehash(password: string, salt22: string): string {
  return createHmac("sha256", Buffer.from(salt22, "ascii"))
    .update(password, "utf8")
    .digest("base64");
}

/** libuv's thread pool, where bcrypt, file writes and DNS lookups run: `UV_THREADPOOL_SIZE`, else 4. */
function threadPoolSize(): number {
  const size = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? "", 10);
  return Number.isInteger(size) && size > 0 ? size : 4;
}
