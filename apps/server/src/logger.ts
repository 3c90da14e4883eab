import { type Logger, pino } from "pino";

/** Structured JSON logs. Credentials are redacted wherever a request or an error carries them. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "req.body.password",
        "req.body.client_secret",
        "req.body.refresh_token",
        "*.password",
        "*.refreshToken",
        "*.accessToken",
      ],
      censor: "[redacted]",
    },
  });
}
