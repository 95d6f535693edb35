// Scopes travel as space-delimited strings (RFC 6749 §3.3) and are compared as sets.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function parseScope(value: string | undefined | null): string[] {
  if (!value) return [];
  return [...new Set(value.split(' ').filter((s) => s.length > 0))];
}

export function isValidScopeString(value: string): boolean {
  return parseScope(value).every((s) => SCOPE_TOKEN.test(s));
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}

/** The scopes of `requested` that `allowed` does not contain. */
export function scopesOutside(requested: readonly string[], allowed: readonly string[]): string[] {
  const allowedSet = new Set(allowed);
  return requested.filter((s) => !allowedSet.has(s));
}
