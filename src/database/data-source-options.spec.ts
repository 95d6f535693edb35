import { dataSourceOptions } from './data-source-options';

describe('dataSourceOptions', () => {
  const extra = (embedded: boolean) => (dataSourceOptions({ url: 'postgres://x', embedded, poolSize: 10 }) as { extra: Record<string, unknown> }).extra;

  it('the embedded database: one connection, kept while idle (its session keeps what the connection prepared)', () => {
    expect(extra(true)).toMatchObject({ max: 1, idleTimeoutMillis: 0 });
  });

  it('PostgreSQL: the configured pool, whose idle connections pg-pool closes as usual', () => {
    expect(extra(false).max).toBe(10);
    expect(extra(false)).not.toHaveProperty('idleTimeoutMillis');
  });

  it('never synchronizes the schema: migrations only', () => {
    expect(dataSourceOptions({ url: 'postgres://x', embedded: true, poolSize: 1 })).toMatchObject({ synchronize: false, migrationsRun: false });
  });
});
