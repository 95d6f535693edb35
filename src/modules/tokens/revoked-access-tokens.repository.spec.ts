import type { DataSource } from 'typeorm';
import { ChangeFeed, type Change } from '../../common/cache/change-feed.service';
import type { AppConfig } from '../../config/app-config';
import type { DatabaseEndpoint } from '../../database/data-source-options';
import { RevokedAccessTokensRepository } from './revoked-access-tokens.repository';

/** The revoked_access_tokens table behind a counter of round trips. */
function setup() {
  const table: { jti: string; instanceId: string }[] = [];
  const db = { reads: 0, gate: undefined as Promise<void> | undefined };
  const dataSource = {
    async query(sql: string, params: unknown[]) {
      if (sql.startsWith('INSERT')) {
        if (!table.some((r) => r.jti === params[0])) table.push({ jti: params[0] as string, instanceId: params[1] as string });
        return [];
      }
      db.reads++;
      if (sql.startsWith('SELECT jti')) {
        const rows = table.filter((r) => r.instanceId === params[0]).slice(0, params[1] as number).map((r) => ({ jti: r.jti }));
        if (db.gate) await db.gate; // read now, answered later
        return rows;
      }
      return table.filter((r) => r.jti === params[0] && r.instanceId === params[1]).map(() => ({ '?column?': 1 }));
    },
  } as unknown as DataSource;
  // A single process on the embedded database: publish() delivers locally and sends nothing.
  const feed = new ChangeFeed({} as DataSource, { embedded: true, url: '', poolSize: 1 } as DatabaseEndpoint);
  const published: Change[] = [];
  feed.subscribe((c) => published.push(c));
  const fromAnotherProcess = (change: Change) => (feed as unknown as { receive(payload: string): void }).receive(JSON.stringify({ ...change, node: 'another-process' }));
  const sut = new RevokedAccessTokensRepository(dataSource, feed, { cacheTtlSeconds: 600 } as AppConfig);
  sut.onModuleInit();
  return { sut, db, table, published, fromAnotherProcess };
}

const later = new Date(Date.now() + 3600_000);

describe('RevokedAccessTokensRepository: revoked jtis per instance, in memory', () => {
  it('reads an instance once; later checks cost no database round trip', async () => {
    const s = setup();
    s.table.push({ jti: 'old', instanceId: 'i1' });
    expect(await s.sut.isRevoked('i1', 'j1')).toBe(false);
    expect(await s.sut.isRevoked('i1', 'j2')).toBe(false);
    expect(await s.sut.isRevoked('i1', 'old')).toBe(true);
    expect(await s.sut.isRevoked('i2', 'old')).toBe(false); // another instance: its own set
    expect(s.db.reads).toBe(2);
  });

  it('a revocation here: refused on the very next check, and announced to the other processes', async () => {
    const s = setup();
    expect(await s.sut.isRevoked('i1', 'j1')).toBe(false);
    await s.sut.revoke('i1', 'j1', later);
    expect(s.published).toContainEqual({ topic: 'access-token-revocation', instanceId: 'i1', key: 'j1' });
    expect(await s.sut.isRevoked('i1', 'j1')).toBe(true);
    expect(await s.sut.isRevoked('i1', 'j2')).toBe(false);
    expect(await s.sut.isRevoked('i2', 'j1')).toBe(false);
    expect(s.db.reads).toBe(2); // i1 once, i2 once
  });

  it("a revocation by another process: its ChangeFeed change reaches this process's set", async () => {
    const s = setup();
    expect(await s.sut.isRevoked('i1', 'j1')).toBe(false);
    s.fromAnotherProcess({ topic: 'access-token-revocation', instanceId: 'i1', key: 'j1' });
    expect(await s.sut.isRevoked('i1', 'j1')).toBe(true);
    expect(s.db.reads).toBe(1);
  });

  it('a set read before the revocation committed still refuses the announced jti', async () => {
    const s = setup();
    let open!: () => void;
    s.db.gate = new Promise((r) => (open = r));
    const inFlight = s.sut.isRevoked('i1', 'j1'); // reads the set without j1
    s.fromAnotherProcess({ topic: 'access-token-revocation', instanceId: 'i1', key: 'j1' }); // NOTIFY at the commit
    open();
    s.db.gate = undefined;
    await inFlight;
    expect(await s.sut.isRevoked('i1', 'j1')).toBe(true);
    // a set read after the announcement but before the commit (the process that revoked, on its own pool)
    const t = setup();
    await t.sut.isRevoked('i9', 'x');
    t.fromAnotherProcess({ topic: 'access-token-revocation', instanceId: 'i1', key: 'j1' });
    expect(await t.sut.isRevoked('i1', 'j2')).toBe(false); // loads i1 without j1 (not committed yet)
    expect(await t.sut.isRevoked('i1', 'j1')).toBe(true);
  });

  it('a lost notification drops every set; an instance change drops its own', async () => {
    const s = setup();
    await s.sut.isRevoked('i1', 'j1');
    await s.sut.isRevoked('i2', 'j1');
    s.table.push({ jti: 'j1', instanceId: 'i1' });
    s.fromAnotherProcess({ topic: 'instance', instanceId: 'i1' });
    expect(await s.sut.isRevoked('i1', 'j1')).toBe(true);
    expect(await s.sut.isRevoked('i2', 'j1')).toBe(false);
    expect(s.db.reads).toBe(3);
    s.fromAnotherProcess({ topic: 'instance', instanceId: '*' });
    await s.sut.isRevoked('i1', 'j1');
    await s.sut.isRevoked('i2', 'j1');
    expect(s.db.reads).toBe(5);
  });

  it('an instance with more revoked jtis than it keeps in memory asks the database each time', async () => {
    const s = setup();
    for (let i = 0; i <= 10_000; i++) s.table.push({ jti: `j${i}`, instanceId: 'i1' });
    expect(await s.sut.isRevoked('i1', 'j5')).toBe(true);
    expect(await s.sut.isRevoked('i1', 'nope')).toBe(false);
    expect(s.db.reads).toBe(3);
  });
});
