import formbody from "@fastify/formbody";
import helmet from "@fastify/helmet";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ServerDeps } from "../context.js";
import { databaseUnavailableOf } from "../errors/database-unavailable.js";
import { STYLESHEET, STYLESHEET_PATH } from "./layout.js";
import {
  type PageAnswer,
  serverFailurePage,
  tryAgainLaterPage,
  unreadableRequestPage,
} from "./outcomes.js";
import {
  RESET_PASSWORD_PATH,
  resetPasswordForm,
  submitResetPassword,
} from "./reset-password-page.js";
import { submitVerifyEmail, VERIFY_EMAIL_PATH, verifyEmailForm } from "./verify-email-page.js";

/**
 * The largest form a page takes: a token and two passwords of at most 256
 * characters, percent-encoded, fit many times over. Larger is refused before it is read.
 */
const FORM_BODY_LIMIT = 16 * 1024;

/**
 * The pages' Content-Security-Policy: nothing but the stylesheet Warden
 * serves (and the page's empty `data:` icon), no script at all, forms post
 * only back to Warden, never framed.
 */
const PAGE_CSP_DIRECTIVES = {
  "default-src": ["'none'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "data:"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'none'"],
  "base-uri": ["'none'"],
};

type Query = { token?: unknown };
type Form = { token?: unknown; newPassword?: unknown; confirmPassword?: unknown };

/**
 * The hosted pages mailed links point at (PUBLIC_URL, by default the issuer):
 * `/account/verify-email?token=…` and `/account/reset-password?token=…`.
 * Small server-rendered HTML, no script, one stylesheet from Warden itself.
 *
 * A GET shows a form, whatever its token, and uses nothing up: mail scanners
 * and link previews open links. The outcome comes after the form's POST,
 * which carries the token in its body. That token is also why the POST needs
 * no CSRF token of its own: it is the secret a forging site lacks, and
 * without it a POST does nothing.
 *
 * The token stays out of logs (the access log drops query strings, nothing
 * here logs a request's body, and a failure is logged by its error alone)
 * and out of any Referer (Referrer-Policy: no-referrer, and the form's
 * action carries no query). Pages are never cached (Cache-Control: no-store).
 *
 * The pages live in their own encapsulated scope with helmet's full set of
 * document headers; the root onSend hook (server.ts) sets the API's
 * `default-src 'none'` policy on every answer, so this scope's own onSend
 * hook, which runs after it, puts helmet's policy back.
 */
export async function registerAccountPages(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  await app.register(async (pages) => {
    await pages.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP_DIRECTIVES },
      referrerPolicy: { policy: "no-referrer" },
    });
    await pages.register(formbody, { bodyLimit: FORM_BODY_LIMIT });
    pages.addHook("onSend", (_request, reply, payload, done) => {
      const policy = reply.raw.getHeader("content-security-policy");
      if (policy !== undefined) reply.header("content-security-policy", policy);
      done(null, payload);
    });

    // Framework refusals (too large, another content type, malformed) and
    // failures, as pages: a 4xx for what the client sent, never a 5xx for it.
    pages.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return send(reply, unreadableRequestPage(error.statusCode));
      }
      const unavailable = databaseUnavailableOf(error);
      if (unavailable) {
        request.log.debug({ err: error }, "database unavailable: answered 503");
        return send(
          reply,
          tryAgainLaterPage(
            503,
            unavailable.retryAfterSeconds,
            "The server cannot reach its database right now.",
          ),
        );
      }
      request.log.error({ err: error }, "account page failed");
      return send(reply, serverFailurePage());
    });

    pages.get(STYLESHEET_PATH, async (_request, reply) =>
      reply
        .header("content-type", "text/css; charset=utf-8")
        .header("cache-control", "public, max-age=3600")
        .send(STYLESHEET),
    );

    pages.get<{ Querystring: Query }>(VERIFY_EMAIL_PATH, async (request, reply) =>
      send(reply, verifyEmailForm(request.query ?? {})),
    );
    pages.post<{ Body: Form }>(
      VERIFY_EMAIL_PATH,
      { bodyLimit: FORM_BODY_LIMIT },
      async (request, reply) =>
        send(reply, await submitVerifyEmail(deps, formOf(request), factsOf(request))),
    );

    pages.get<{ Querystring: Query }>(RESET_PASSWORD_PATH, async (request, reply) =>
      send(reply, resetPasswordForm(request.query ?? {})),
    );
    pages.post<{ Body: Form }>(
      RESET_PASSWORD_PATH,
      { bodyLimit: FORM_BODY_LIMIT },
      async (request, reply) =>
        send(reply, await submitResetPassword(deps, formOf(request), factsOf(request))),
    );
  });
}

function send(reply: FastifyReply, answer: PageAnswer): FastifyReply {
  if (answer.retryAfterSeconds !== undefined) {
    reply.header("retry-after", String(answer.retryAfterSeconds));
  }
  return reply
    .status(answer.status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .send(answer.body);
}

/** The form's fields; a body that is not an object of fields (none, JSON text) has none. */
function formOf(request: FastifyRequest<{ Body: Form }>): Form {
  const body: unknown = request.body;
  return typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Form) : {};
}

/** What the use cases record of the request (its audit events' IP and request id). */
function factsOf(request: FastifyRequest): {
  ip: string;
  userAgent: string | null;
  requestId: string;
} {
  return {
    ip: request.ip,
    userAgent: request.headers["user-agent"] ?? null,
    requestId: String(request.id),
  };
}
