// The Content-Disposition a pre-signed GET asks the service to answer with, so that a browser
// saves the export under a chosen name. Header values are ASCII: a name with other characters gets
// an ASCII fallback plus the RFC 6266 / RFC 5987 `filename*` form, which every current browser reads.

const PLAIN = /^[\x20-\x7e]*$/;

/** `attachment; filename="…"`, plus `filename*=UTF-8''…` when the name is not plain ASCII. */
export function attachmentDisposition(name: string): string {
  // quotes and backslashes would end or escape the quoted string; path separators are never wanted
  const fallback = name.replace(/[^\x20-\x7e]|["\\/]/g, "_");
  if (PLAIN.test(name) && fallback === name) return `attachment; filename="${name}"`;
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeRfc5987(name)}`;
}

/** Percent-encodes everything but RFC 5987's attr-char set. */
function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
