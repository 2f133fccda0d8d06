// Security headers of the pages and their assets. The pages hold an API key (in localStorage) and put signed
// stream tokens in URLs, so: scripts only from our own files (no inline script, no eval), nothing from
// elsewhere, no framing (clickjacking), no Referer that could carry a token to another site, and no content
// sniffing of what we serve.
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:", // the favicon is `data:,`; Swagger UI's icons are data: URLs in its CSS
  "font-src 'self'",
  "connect-src 'self'", // fetch and EventSource to the gateway itself
  "base-uri 'none'",
  "form-action 'none'", // the forms are handled by script, never submitted
  "frame-ancestors 'none'",
].join("; ");

export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": PAGE_CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};
