/**
 * Slows password guessing, for user passwords and client secrets alike: the
 * port the use cases count attempts through. The server provides it (in
 * memory, or shared across instances through Redis).
 */
export interface LoginThrottle {
  /** Throws TOO_MANY_ATTEMPTS (with retryAfterSeconds) while the account or the IP is locked. */
  check(account: string, ip: string): Promise<void>;
  /** Counts a failure; `locked` is true when this failure locked the account. */
  failed(account: string, ip: string): Promise<{ locked: boolean }>;
  succeeded(account: string): Promise<void>;
}
