import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { DatabaseEndpoint } from './data-source-options';

// Any constant works; it only has to be the same for every node that shares the database.
const MIGRATION_LOCK = 7_263_514_001;

/**
 * Runs pending migrations. On PostgreSQL, nodes that start together take turns under an advisory
 * lock, held on a connection of its own so that a pool of one connection still has one to migrate
 * with. The embedded database is migrated by one process only (the first worker, see main.ts):
 * PGlite is one session, where advisory locks would not exclude anyone.
 */
export async function runMigrations(dataSource: DataSource, endpoint: DatabaseEndpoint): Promise<void> {
  if (endpoint.embedded) {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const lock = new Client({ connectionString: endpoint.url, connectionTimeoutMillis: 10_000 });
  lock.on('error', () => undefined); // a lost lock connection fails the queries below, not the process
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    // Ending the session releases the lock.
    await lock.end().catch(() => undefined);
  }
}
