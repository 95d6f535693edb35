import { Client } from 'pg';
import { COUNTS_CHANNEL } from '../../src/common/cache/change-feed.service';
import { CUSTOM_PLANS } from '../../src/database/prepared-statements';

/**
 * A process's rate-limit report to the others (a NOTIFY on its own channel, every 100 ms while
 * requests are counted): background traffic, not a statement of the request being measured.
 */
function isRateLimitReport(args: readonly unknown[]): boolean {
  return Array.isArray(args[1]) && args[1][0] === COUNTS_CHANNEL;
}

/**
 * Sent once when a connection first runs a prepared statement: set-up of that connection, not a
 * statement of the request. On PostgreSQL the pool opens a connection whenever an idle one has
 * timed out, so any request may be the first on its connection.
 */
function isConnectionSetup(text: string): boolean {
  return text === CUSTOM_PLANS;
}

/**
 * The statements `work` makes the server send, through every pg connection (PGlite over its socket
 * and PostgreSQL alike): `sql[i]` is one statement's text with its whitespace collapsed, and
 * `names[i]` its prepared-statement name (undefined for an unnamed one).
 */
export async function statementsSent<T>(work: () => Promise<T>): Promise<{ result: T; sql: string[]; names: (string | undefined)[] }> {
  const sql: string[] = [];
  const names: (string | undefined)[] = [];
  const original = Client.prototype.query;
  const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
    const config = typeof args[0] === 'string' ? { text: args[0] } : (args[0] as { text?: string; name?: string } | undefined);
    if (config?.text && !isRateLimitReport(args) && !isConnectionSetup(config.text)) {
      sql.push(config.text.replace(/\s+/g, ' ').trim());
      names.push(config.name);
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as never);
  try {
    return { result: await work(), sql, names };
  } finally {
    spy.mockRestore();
  }
}
