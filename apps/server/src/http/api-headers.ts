/**
 * The headers that protect a JSON API, computed once and sent on every
 * response. helmet's full set (CSP for documents, COOP, CORP,
 * Origin-Agent-Cluster, X-Download-Options…) is built per response and is
 * for HTML pages; Warden answers JSON, which no browser renders, so these few
 * do the work: no MIME sniffing, nothing may load or frame a response, no
 * referrer leaves with a link, HTTPS kept once seen. Responses carrying a
 * token or a secret add `Cache-Control: no-store` where they are sent.
 */
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
});

/** For an answer that carries a token or a secret: never stored by any cache (RFC 6749 §5.1, RFC 9111). */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "cache-control": "no-store",
  pragma: "no-cache",
});
