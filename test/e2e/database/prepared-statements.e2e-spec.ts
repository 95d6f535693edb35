import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { queryPrepared, type PreparedStatement } from '../../../src/database/prepared-statements';
import { Transactions } from '../../../src/database/transactions';
import { statementsSent } from '../../utils/statements';
import { startTestServer, unique, type TestServer } from '../../utils/test-server';

/** queryPrepared on the real database (PGlite, or the PostgreSQL of DATABASE_URL). */
describe('prepared statements', () => {
  let ts: TestServer;
  let db: DataSource;
  const table = unique('prepared_test_');
  const insert: PreparedStatement = { name: 'prepared_test_insert', text: `INSERT INTO ${table} (id) VALUES ($1) RETURNING id, now() AS at` };
  const select: PreparedStatement = { name: 'prepared_test_select', text: `SELECT id FROM ${table} WHERE id = $1` };

  beforeAll(async () => {
    ts = await startTestServer();
    db = ts.server.app.get(DataSource);
    await db.query(`CREATE TABLE ${table} (id text PRIMARY KEY)`);
  });
  afterAll(async () => {
    await db.query(`DROP TABLE ${table}`);
    await ts.close();
  });

  /** The names of the prepared statements `work` sends. */
  const names = async (work: () => Promise<unknown>) => (await statementsSent(work)).names.filter((name): name is string => !!name);

  it('runs as a named statement, prepared once per connection, and answers its rows with their types', async () => {
    let rows: { id: string; at: Date }[] = [];
    const sent = await names(async () => {
      rows = await queryPrepared(db, insert, ['a']);
      await queryPrepared(db, insert, ['b']);
    });
    expect(rows).toEqual([{ id: 'a', at: expect.any(Date) }]);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(new RegExp(`^prepared_test_insert_${process.pid}_\\d+$`));
    expect(sent[1]).toBe(sent[0]);
    expect(await queryPrepared(db, select, ['b'])).toEqual([{ id: 'b' }]);
    expect(await queryPrepared(db, select, ['nothing'])).toEqual([]);
  });

  it('plans every execution for its values, as an unprepared statement is', async () => {
    await queryPrepared(db, select, ['a']);
    // The connection just released is the next one handed out.
    const client = await (db.driver as unknown as { master: Pool }).master.connect();
    try {
      expect((await client.query('SHOW plan_cache_mode')).rows).toEqual([{ plan_cache_mode: 'force_custom_plan' }]);
    } finally {
      client.release();
    }
  });

  it('a connection that replaced a dropped one prepares under a name of its own', async () => {
    // The embedded database serves every connection from one session: the dropped connection's
    // statements are still prepared there, and preparing the same name again would fail.
    const before = await names(() => queryPrepared(db, select, ['a']));
    const pool = (db.driver as unknown as { master: Pool }).master;
    const client = await pool.connect();
    client.release(new Error('dropped by the test'));
    let rows: unknown[] = [];
    const after = await names(async () => (rows = await queryPrepared(db, select, ['a'])));
    expect(rows).toEqual([{ id: 'a' }]);
    expect(after[0]).toMatch(/^prepared_test_select_/);
    expect(after[0]).not.toBe(before[0]);
  });

  it('a statement error leaves the connection in the pool, its statements still prepared', async () => {
    await expect(queryPrepared(db, insert, ['a'])).rejects.toMatchObject({ code: '23505' });
    const sent = await names(() => queryPrepared(db, insert, ['c']));
    const again = await names(() => queryPrepared(db, insert, ['d']));
    expect(again[0]).toBe(sent[0]);
  });

  it('inside a transaction it goes through the transaction, and is rolled back with it', async () => {
    const transactions = ts.server.app.get(Transactions);
    await expect(
      transactions.run(async () => {
        expect(await queryPrepared(db, insert, ['rolled-back'])).toEqual([{ id: 'rolled-back', at: expect.any(Date) }]);
        expect(await queryPrepared(db, select, ['rolled-back'])).toEqual([{ id: 'rolled-back' }]);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await queryPrepared(db, select, ['rolled-back'])).toEqual([]);

    await transactions.run(() => queryPrepared(db, insert, ['committed']));
    expect(await queryPrepared(db, select, ['committed'])).toEqual([{ id: 'committed' }]);
  });
});
