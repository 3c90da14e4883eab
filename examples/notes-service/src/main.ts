#!/usr/bin/env node
import { createNotesService } from "./notes-service.js";

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`notes-service: ${name} is required\n`);
    process.exit(1);
  }
  return value;
}

const wardenUrl = process.env.WARDEN_URL ?? "http://127.0.0.1:3000";
const server = createNotesService({
  wardenUrl,
  issuer: process.env.WARDEN_ISSUER ?? wardenUrl,
  clientId: required("NOTES_CLIENT_ID"),
  clientSecret: required("NOTES_CLIENT_SECRET"),
});
const port = Number(process.env.PORT ?? 4000);
server.listen(port, "127.0.0.1", () =>
  process.stdout.write(`notes-service on http://127.0.0.1:${port}\n`),
);
