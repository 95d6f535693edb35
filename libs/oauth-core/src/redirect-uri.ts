/** Splits ERP.net's comma-separated URL lists (ImpersonateLoginUrl, ImpersonateLogoutUrl). */
export function parseUriList(value: string | null | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Schemes a browser would execute or render instead of navigating to a client: never a redirect target. */
const SCRIPT_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:']);

/** An absolute URL without a fragment (RFC 6749 §3.1.2), not even an empty `#`, and not a script scheme. */
export function isAbsoluteUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) && !SCRIPT_SCHEMES.has(url.protocol) && !value.includes('#');
  } catch {
    return false;
  }
}

/** Exact, byte-for-byte comparison: no normalisation, prefix or wildcard matching. */
export function isRegisteredUri(candidate: string, registered: readonly string[]): boolean {
  return registered.some((uri) => uri === candidate);
}
