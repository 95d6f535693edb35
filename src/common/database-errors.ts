/**
 * Node socket errors, and SQLSTATEs of class 08 (connection exception), 57P0x (operator
 * intervention: shutdown, crash, starting up) and 53300 (too many connections).
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** What pg, pg-pool and TypeORM say when the connection, not the query, is the problem. */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed and is not queryable|Connection is not established|Cannot use a pool after calling end|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to/i;

/** True for errors that mean "the database cannot be reached right now", not "the query is wrong". */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const candidate = e as { code?: unknown; driverError?: unknown; errors?: unknown; message?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && UNAVAILABLE_CODES.has(candidate.code)) return true;
    if (typeof candidate.message === 'string' && UNAVAILABLE_MESSAGES.test(candidate.message)) return true;
    // Node's AggregateError (one attempt per address of a host name) carries the attempts in `errors`.
    if (Array.isArray(candidate.errors) && candidate.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    e = candidate.driverError ?? candidate.cause;
  }
  return false;
}

/** A unique index refused the row (PostgreSQL 23505): two writers raced for one name, and one lost. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  return !!e && typeof e === 'object' && (e.driverError?.code ?? e.code) === '23505';
}
