import type { AuditLog } from "../audit/audit.js";
import type { ClientService } from "../client/client.service.js";
import type { LiveSessions } from "../session/live-sessions.js";
import type { SessionService } from "../session/session.service.js";
import type { Throttle } from "../throttle/throttle.js";
import type { AccessTokenService } from "../token/access-token.js";
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
}
