import type { Server } from "node:http";
import { createHTTPServer } from "@trpc/server/adapters/standalone";
import { createServiceClient, createTokenVerifier } from "@warden/client";
import { callerOf, NoteStore, notesRouter } from "./notes-router.js";

export interface NotesServiceOptions {
  /** Where Warden answers, e.g. `http://127.0.0.1:3000`. */
  readonly wardenUrl: string;
  /** Warden's issuer (`iss`); its audience too unless `audience` says otherwise. */
  readonly issuer: string;
  readonly audience?: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Least seconds between JWKS fetches (default 30). */
  readonly jwksCooldownSeconds?: number;
}

/** The notes service's HTTP server, not yet listening. */
export function createNotesService(options: NotesServiceOptions): Server {
  const verifier = createTokenVerifier({
    issuer: options.issuer,
    audience: options.audience ?? options.issuer,
    jwksUrl: `${options.wardenUrl.replace(/\/+$/, "")}/.well-known/jwks.json`,
    ...(options.jwksCooldownSeconds !== undefined
      ? { jwksCooldownSeconds: options.jwksCooldownSeconds }
      : {}),
  });
  const warden = createServiceClient({
    url: options.wardenUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scopes: ["users:read"],
  });
  const notes = new NoteStore();
  return createHTTPServer({
    router: notesRouter,
    createContext: async ({ req }) => ({
      caller: await callerOf(verifier, req.headers.authorization),
      warden,
      notes,
    }),
  });
}
