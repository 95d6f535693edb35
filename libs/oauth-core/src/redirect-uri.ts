/** Splits ERP.net's comma-separated URL lists (ImpersonateLoginUrl, ImpersonateLogoutUrl). */
export function parseUriList(value: string | null | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Schemes a browser would execute, render or read locally instead of navigating to a client: never a redirect target. */
const REFUSED_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:']);
/** Schemes whose URLs have an authority: written `scheme://host…`, with a host. */
const HIERARCHICAL_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:']);

/**
 * An absolute URL without a fragment (RFC 6749 §3.1.2), not even an empty `#`, and not a refused
 * scheme. It must also be the URL a parser reads, since redirect URIs are compared byte for byte:
 * no whitespace or control characters (a parser drops them), `http://` spelled out, a host with
 * no wildcard and no user:password@, and a numeric host written as the IPv4 address it means
 * (`http://1.2.3/` is read as 1.2.0.3).
 */
export function isAbsoluteUrl(value: string): boolean {
  if (/[\x00-\x20\x7f]/.test(value) || value.includes('#')) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (!/^[a-z][a-z0-9+.-]*:$/.test(url.protocol) || REFUSED_SCHEMES.has(url.protocol)) return false;
  if (!HIERARCHICAL_SCHEMES.has(url.protocol)) return true;
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?]*)/i.exec(value)?.[1];
  if (authority === undefined || authority.includes('@') || url.username || url.password) return false;
  const host = authority.replace(/:\d*$/, '').toLowerCase();
  // A non-ASCII (internationalised) name is legitimately rewritten to its punycode form.
  return !host.includes('*') && (host === url.hostname || /[^\x00-\x7f]/.test(host));
}

/** Exact, byte-for-byte comparison: no normalisation, prefix or wildcard matching. */
export function isRegisteredUri(candidate: string, registered: readonly string[]): boolean {
  return registered.some((uri) => uri === candidate);
}
