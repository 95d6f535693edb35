import type { DataSource } from 'typeorm';

// Any constant works; it only has to be the same for every node that shares the database.
const MIGRATION_LOCK = 7_263_514_001;

/**
 * Runs pending migrations. On PostgreSQL an advisory lock makes nodes that start together
 * take turns; the embedded database has one process only.
 */
export async function runMigrations(dataSource: DataSource, embedded: boolean): Promise<void> {
  if (embedded) {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
