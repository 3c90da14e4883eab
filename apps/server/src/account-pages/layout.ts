import { html, type SafeHtml } from "./html.js";

/** The pages' one stylesheet, served by Warden itself (see STYLESHEET_PATH). */
export const STYLESHEET = `*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;min-height:100vh;display:flex;align-items:flex-start;justify-content:center;
padding:2rem 1rem;background:#f3f4f6;color:#111827;
font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{width:100%;max-width:26rem;background:#fff;border:1px solid #e5e7eb;border-radius:.75rem;
padding:1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.06)}
h1{font-size:1.375rem;line-height:1.3;margin:0 0 1rem}
p,form{margin:0 0 1rem}
.brand{font-size:.875rem;color:#6b7280;margin:0 0 .5rem;letter-spacing:.02em}
.notice{border-radius:.5rem;padding:.75rem 1rem}
.error{background:#fef2f2;border:1px solid #fecaca;color:#991b1b}
.success{background:#f0fdf4;border:1px solid #bbf7d0;color:#166534}
label{display:block;font-weight:600;margin:0 0 .25rem}
input[type=password]{display:block;width:100%;font:inherit;padding:.625rem .75rem;
border:1px solid #d1d5db;border-radius:.5rem;margin:0 0 1rem}
input[type=password]:focus{outline:2px solid #2563eb;outline-offset:1px;border-color:#2563eb}
button{display:block;width:100%;font:inherit;font-weight:600;padding:.75rem 1rem;border:0;
border-radius:.5rem;background:#2563eb;color:#fff;cursor:pointer}
button:hover,button:focus{background:#1d4ed8}
.hint{font-size:.875rem;color:#4b5563}
@media (prefers-color-scheme:dark){body{background:#111827;color:#f9fafb}
main{background:#1f2937;border-color:#374151}.brand,.hint{color:#9ca3af}
input[type=password]{background:#111827;color:#f9fafb;border-color:#4b5563}
.error{background:#450a0a;border-color:#7f1d1d;color:#fecaca}
.success{background:#052e16;border-color:#14532d;color:#bbf7d0}}
`;

/**
 * Where the stylesheet is served, and the pages' link to it: relative, so
 * the pages also work behind a proxy that mounts Warden under a path.
 */
export const STYLESHEET_PATH = "/account/style.css";
const STYLESHEET_HREF = "style.css";

/**
 * A whole page: readable on a phone (viewport), no script, nothing from
 * elsewhere (an empty icon, so browsers do not ask for /favicon.ico), no
 * referrer (the header says so too), not indexed.
 */
export function page(options: { title: string; content: SafeHtml }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${options.title} · Warden</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${STYLESHEET_HREF}">
</head>
<body>
<main>
<p class="brand">Warden</p>
<h1>${options.title}</h1>
${options.content}
</main>
</body>
</html>
`.text;
}

/** A message above a form or as an outcome; `role` makes screen readers announce it. */
export function notice(kind: "error" | "success", message: string | SafeHtml): SafeHtml {
  return kind === "error"
    ? html`<p class="notice error" role="alert">${message}</p>`
    : html`<p class="notice success" role="status">${message}</p>`;
}

/** The token, in the form, for the POST: never in the form's action (a URL, which could be logged). */
export function tokenField(token: string): SafeHtml {
  return html`<input type="hidden" name="token" value="${token}">`;
}
