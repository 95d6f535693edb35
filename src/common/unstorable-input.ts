/** SQLSTATEs for text that PostgreSQL cannot hold: a NUL character (22021) or a character the encoding lacks (22P05). */
const UNSTORABLE_TEXT_CODES = new Set(['22021', '22P05']);

/**
 * True when the database refused a value from the request because text cannot hold it (a NUL
 * in a client_id, a login, a path segment). No such value can match anything stored, so the
 * request is simply invalid: 400, not a 500. A query of ours never produces these by itself.
 */
export function isUnstorableInput(error: unknown): boolean {
  const e = error as { driverError?: { code?: unknown }; code?: unknown } | undefined;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' && UNSTORABLE_TEXT_CODES.has(code);
}
