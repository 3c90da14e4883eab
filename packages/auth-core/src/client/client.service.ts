import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Database } from "../db/schema.js";
import { AuthError, invalidInput } from "../errors.js";
import { type Client, SCOPES, toClient } from "./client.js";
import * as clients from "./client.repository.js";

export interface CreatedClient extends Client {
  /** Shown once, at creation; only its hash is kept. */
  clientSecret: string;
}

export interface ClientService {
  create(input: { name: string; scopes: readonly string[] }): Promise<CreatedClient>;
  list(): Promise<Client[]>;
  /** Throws NOT_FOUND when there is no such active client. */
  revoke(clientId: string): Promise<void>;
  /** Throws INVALID_CLIENT for an unknown or revoked client or a wrong secret, alike. */
  authenticate(clientId: string, clientSecret: string): Promise<Client>;
  isActive(clientId: string): Promise<boolean>;
}

/*
 * Client secrets are 256 random bits, so a fast hash (SHA-256) is as safe as
 * bcrypt would be: there is no dictionary to try. It also keeps service
 * token requests cheap.
 */
function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

// Hashed once so an unknown client id costs the same comparison as a known one.
const DUMMY_HASH = hashSecret("warden-dummy-client-secret");

export function createClientService(options: {
  db: Kysely<Database>;
  clock: Clock;
}): ClientService {
  const { db, clock } = options;

  return {
    async create({ name, scopes }) {
      const trimmed = name.trim();
      const issues = [];
      if (trimmed.length === 0 || [...trimmed].length > 100)
        issues.push({ field: "name", message: "must be 1 to 100 characters" });
      const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
      if (unknown.length > 0)
        issues.push({
          field: "scopes",
          message: `unknown scope: ${unknown.join(", ")}; known: ${SCOPES.join(", ")}`,
        });
      if (issues.length > 0) throw invalidInput(issues);

      const clientId = `svc_${randomBytes(12).toString("base64url")}`;
      const clientSecret = randomBytes(32).toString("base64url");
      const row = {
        client_id: clientId,
        secret_hash: hashSecret(clientSecret).toString("hex"),
        name: trimmed,
        scopes: [...new Set(scopes)].join(" "),
        created_at: clock.nowIso(),
        revoked_at: null,
      };
      await clients.insertClient(db, row);
      return { ...toClient(row), clientSecret };
    },

    async list() {
      return (await clients.listActiveClients(db)).map(toClient);
    },

    async revoke(clientId) {
      if (!(await clients.revokeClient(db, clientId, clock.nowIso()))) {
        throw new AuthError("NOT_FOUND", { message: "no such client" });
      }
    },

    async authenticate(clientId, clientSecret) {
      const row = clientId.length <= 64 ? await clients.findActiveClient(db, clientId) : undefined;
      const expected = row ? Buffer.from(row.secret_hash, "hex") : DUMMY_HASH;
      // Constant-time: how many leading bytes match must not show in the timing.
      const matches = timingSafeEqual(hashSecret(clientSecret), expected);
      if (!row || !matches) throw new AuthError("INVALID_CLIENT");
      return toClient(row);
    },

    async isActive(clientId) {
      return (await clients.findActiveClient(db, clientId)) !== undefined;
    },
  };
}
