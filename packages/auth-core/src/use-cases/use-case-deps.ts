import type { AuditLog } from "../audit/audit.js";
import type { ClientService } from "../client/client.service.js";
import type { AccountLinks, Mailer } from "../mail/mailer.js";
import type { OneTimeTokenService } from "../one-time-token/one-time-token.service.js";
import type { LiveSessions } from "../session/live-sessions.js";
import type { SessionService } from "../session/session.service.js";
import type { Throttle } from "../throttle/throttle.js";
import type { AccessTokenService } from "../token/access-token.js";
import type { TwoFactorService } from "../two-factor/two-factor.service.js";
import type { UserService } from "../user/user.service.js";

/** The services and ports the use cases are built from. */
export interface UseCaseDeps {
  readonly users: UserService;
  readonly sessions: SessionService;
  readonly tokens: AccessTokenService;
  readonly clients: ClientService;
  readonly audit: AuditLog;
  readonly throttle: Throttle;
  readonly liveSessions: LiveSessions;
  readonly oneTimeTokens: OneTimeTokenService;
  readonly twoFactor: TwoFactorService;
  readonly mailer: Mailer;
  readonly links: AccountLinks;
  readonly accountRules: AccountRules;
}

/** The account-recovery settings (REQUIRE_VERIFIED_EMAIL, the links' lifetimes). */
export interface AccountRules {
  /** Logins refuse accounts whose address is not verified (after the password is checked). */
  readonly requireVerifiedEmail: boolean;
  readonly emailVerificationTtlSeconds: number;
  readonly passwordResetTtlSeconds: number;
}
