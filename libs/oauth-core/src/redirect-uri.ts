/** Splits ERP.net's comma-separated URL lists (ImpersonateLoginUrl, ImpersonateLogoutUrl). */
export function parseUriList(value: string | null | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function isAbsoluteUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:' || /^[a-z][a-z0-9+.-]*:$/.test(url.protocol)) && !url.hash;
  } catch {
    return false;
  }
}

/** Exact, byte-for-byte comparison: no normalisation, prefix or wildcard matching. */
export function isRegisteredUri(candidate: string, registered: readonly string[]): boolean {
  return registered.some((uri) => uri === candidate);
}
