// Entities first, in their safe order: instance.entity and instance-host.entity import each other.
import '../../database/entities';
import { Logger } from '@nestjs/common';
import type { DataSource, Repository } from 'typeorm';
import { ChangeFeed, type Change } from '../../common/cache/change-feed.service';
import type { Clock } from '../../common/crypto/clock';
import type { Tenant } from '../../common/tenant/tenant';
import type { AppConfig } from '../../config/app-config';
import type { DatabaseEndpoint } from '../../database/data-source-options';
import type { TrustedApplicationEntity } from '../trusted-applications/trusted-application.entity';
import type { TrustedApplicationsService } from '../trusted-applications/trusted-applications.service';
import type { UserEntity } from '../users/user.entity';
import type { UsersService } from '../users/users.service';
import { generateReferenceToken, hashReferenceToken } from './reference-token-secret';
import type { ReferenceTokenEntity } from './reference-token.entity';
import { LAST_USED_RESOLUTION_MS, ReferenceTokensService } from './reference-tokens.service';

const tenant = { id: 'i1' } as Tenant;
const START = Date.parse('2030-01-01T00:00:00Z');

type Row = Omit<ReferenceTokenEntity, 'instance' | 'application' | 'user'>;

/** The reference_tokens table, the application and user caches, and a count of every round trip. */
function setup() {
  let now = START;
  const clock = { now: () => new Date(now) } as Clock;
  const rows = new Map<string, Row>();
  const applications = new Map<string, TrustedApplicationEntity>();
  const users = new Map<string, UserEntity>();
  const db = { reads: 0, writes: 0, failWrites: false, gate: undefined as Promise<void> | undefined };

  const builder = () => {
    let params: Record<string, unknown> = {};
    let values: Partial<Row> = {};
    const b = {
      addSelect: () => b,
      innerJoin: () => b,
      update: () => b,
      set: (v: Partial<Row>) => ((values = v), b),
      where: (_sql: string, p: Record<string, unknown>) => ((params = p), b),
      async getOne() {
        db.reads++;
        const row = [...rows.values()].find((r) => r.tokenHash === params.hash && r.instanceId === params.instanceId);
        const app = row && [...applications.values()].find((a) => a.id === row.applicationId)!;
        const result = row && app ? { ...row, application: { id: app.id, applicationUri: app.applicationUri } } : null;
        if (db.gate) await db.gate; // read now, answered later
        return result;
      },
      async execute() {
        db.writes++;
        await Promise.resolve();
        if (db.failWrites) throw new Error('connection lost');
        const row = rows.get(params.id as string)!;
        if (!row.lastUsedAt || row.lastUsedAt < (params.since as Date)) Object.assign(row, values);
        return { affected: 1 };
      },
    };
    return b;
  };
  const repository = {
    createQueryBuilder: builder,
    async findOne({ where }: { where: { instanceId: string; id: string } }) {
      db.reads++;
      const row = rows.get(where.id);
      return row && row.instanceId === where.instanceId ? { ...row } : null;
    },
    async update(criteria: { id: string }, v: Partial<Row>) {
      db.writes++;
      const row = rows.get(criteria.id);
      if (row && !row.revokedAt) Object.assign(row, v);
    },
  } as unknown as Repository<ReferenceTokenEntity>;

  const appsService = { findByClientId: jest.fn(async (_i: string, uri: string) => [...applications.values()].find((a) => a.applicationUri === uri) ?? null) } as unknown as TrustedApplicationsService;
  const usersService = { findById: jest.fn(async (_i: string, id: string) => users.get(id) ?? null) } as unknown as UsersService;
  // A single process on the embedded database: publish() delivers locally and sends nothing.
  const feed = new ChangeFeed({} as DataSource, { embedded: true, url: '', poolSize: 1 } as DatabaseEndpoint);
  const published: Change[] = [];
  feed.subscribe((c) => published.push(c));
  /** What another process's NOTIFY (or the cluster primary's IPC relay) hands this one. */
  const fromAnotherProcess = (change: Change) => (feed as unknown as { receive(payload: string): void }).receive(JSON.stringify({ ...change, node: 'another-process' }));

  const sut = new ReferenceTokensService(repository, appsService, usersService, clock, feed, { cacheTtlSeconds: 600 } as AppConfig);
  sut.onModuleInit();

  const app = { id: 'a1', instanceId: 'i1', applicationUri: 'app.example.com', isEnabled: true, scope: 'read update', accessTokens: 'AuthenticatedUsers', systemUser: null, systemUserAllowed: false } as TrustedApplicationEntity;
  const alice = { id: 'u1', instanceId: 'i1', login: 'alice', active: true, isAdmin: false, userType: 'InternalUser' } as UserEntity;
  applications.set(app.id, app);
  users.set(alice.id, alice);

  let n = 0;
  function addToken(overrides: Partial<Row> = {}): { token: string; row: Row } {
    const token = generateReferenceToken();
    const row: Row = {
      id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`, instanceId: 'i1', kind: 'PAT', tokenHash: hashReferenceToken(token).toString('hex'), applicationId: app.id, userId: alice.id, scope: 'read update',
      description: null, createdAt: new Date(now), expiresAt: new Date(now + 3600_000), lastUsedAt: null, revokedAt: null, ...overrides,
    };
    rows.set(row.id, row);
    return { token, row };
  }

  return {
    sut, db, rows, users, app, alice, addToken, published, fromAnotherProcess,
    advance: (ms: number) => (now += ms),
    /** Lets background writes settle. */
    settle: () => sut.beforeApplicationShutdown(),
  };
}

describe('ReferenceTokensService: cached introspection', () => {
  afterEach(() => jest.restoreAllMocks());

  it('a hit costs no database round trip, and records the use at most once a minute', async () => {
    const s = setup();
    const { token, row } = s.addToken();
    const first = await s.sut.findActive(tenant, token);
    expect(first).toMatchObject({ token: { id: row.id }, application: { id: 'a1' }, user: { id: 'u1' }, scope: ['read', 'update'] });
    expect(first!.token).not.toHaveProperty('tokenHash');
    await s.settle();
    expect([s.db.reads, s.db.writes]).toEqual([1, 1]); // the lookup, and last_used_at
    expect(s.rows.get(row.id)!.lastUsedAt).toEqual(new Date(START));

    for (let i = 0; i < 5; i++) expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    s.advance(LAST_USED_RESOLUTION_MS);
    expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    await s.settle();
    expect([s.db.reads, s.db.writes]).toEqual([1, 1]);

    s.advance(1);
    expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    await s.settle();
    expect([s.db.reads, s.db.writes]).toEqual([1, 2]);
    expect(s.rows.get(row.id)!.lastUsedAt).toEqual(new Date(START + LAST_USED_RESOLUTION_MS + 1));
  });

  it('the request does not wait for last_used_at, and a failed write is logged without the token', async () => {
    const s = setup();
    const { token, row } = s.addToken();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    s.db.failWrites = true;
    expect(await s.sut.findActive(tenant, token)).not.toBeNull(); // resolved before the write failed
    expect(warn).not.toHaveBeenCalled();
    await s.settle();
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0][0]);
    expect(message).toContain(row.id);
    expect(message).not.toContain(token);
    expect(message).not.toContain(token.slice(5));
    expect(message).not.toContain(row.tokenHash);
  });

  it('revoked through the admin API: inactive on the very next request', async () => {
    const s = setup();
    const { token, row } = s.addToken();
    expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    await s.sut.revoke({ id: 'i1' } as never, row.id);
    expect(s.published).toContainEqual({ topic: 'reference-token', instanceId: 'i1', key: row.id });
    expect(await s.sut.findActive(tenant, token)).toBeNull();
  });

  it('revoked through RFC 7009 by its application: inactive on the very next request', async () => {
    const s = setup();
    const { token, row } = s.addToken();
    expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    expect(await s.sut.revokeByOwner(tenant, 'another-app', token)).toEqual({ id: row.id, userId: row.userId, owned: false });
    expect(await s.sut.findActive(tenant, token)).not.toBeNull(); // not its owner: nothing changed
    expect(await s.sut.revokeByOwner(tenant, 'a1', token)).toEqual({ id: row.id, userId: row.userId, owned: true });
    expect(s.published).toContainEqual({ topic: 'reference-token', instanceId: 'i1', key: row.id });
    expect(await s.sut.findActive(tenant, token)).toBeNull();
  });

  it("revoked by another process: its ChangeFeed change drops this process's entry", async () => {
    const s = setup();
    const { token, row } = s.addToken();
    const other = s.addToken();
    expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    expect(await s.sut.findActive(tenant, other.token)).not.toBeNull();
    const reads = s.db.reads;
    s.rows.get(row.id)!.revokedAt = new Date(); // committed by the other process
    s.fromAnotherProcess({ topic: 'reference-token', instanceId: 'i1', key: row.id });
    expect(await s.sut.findActive(tenant, token)).toBeNull();
    expect(s.db.reads).toBe(reads + 1);
    // the other token's entry stays, and the revoked one's new entry answers from memory
    expect(await s.sut.findActive(tenant, other.token)).not.toBeNull();
    expect(await s.sut.findActive(tenant, token)).toBeNull();
    expect(s.db.reads).toBe(reads + 1);
  });

  it('a change of another instance, or of another topic, leaves the entry alone; a lost notification drops everything', async () => {
    const s = setup();
    const { token, row } = s.addToken();
    await s.sut.findActive(tenant, token);
    s.fromAnotherProcess({ topic: 'reference-token', instanceId: 'i2', key: row.id });
    s.fromAnotherProcess({ topic: 'user', instanceId: 'i1', key: 'alice' });
    await s.sut.findActive(tenant, token);
    expect(s.db.reads).toBe(1);
    s.fromAnotherProcess({ topic: 'instance', instanceId: '*' });
    await s.sut.findActive(tenant, token);
    expect(s.db.reads).toBe(2);
    s.fromAnotherProcess({ topic: 'instance', instanceId: 'i1' });
    await s.sut.findActive(tenant, token);
    expect(s.db.reads).toBe(3);
  });

  it('a lookup that overlaps a revocation is not cached', async () => {
    const s = setup();
    const { token, row } = s.addToken();
    let open!: () => void;
    s.db.gate = new Promise((r) => (open = r));
    const inFlight = s.sut.findActive(tenant, token); // read before the revocation committed
    s.rows.get(row.id)!.revokedAt = new Date();
    s.fromAnotherProcess({ topic: 'reference-token', instanceId: 'i1', key: row.id });
    open();
    s.db.gate = undefined;
    expect(await inFlight).not.toBeNull(); // it was the truth when read
    expect(await s.sut.findActive(tenant, token)).toBeNull();
    expect(s.db.reads).toBe(2);
  });

  it('the application disabled, or the user deactivated: inactive at once, from the cached row', async () => {
    const s = setup();
    const { token } = s.addToken();
    expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    s.app.isEnabled = false; // as TrustedApplicationsService's cache has it once the change arrived
    expect(await s.sut.findActive(tenant, token)).toBeNull();
    s.app.isEnabled = true;
    expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    s.alice.active = false;
    expect(await s.sut.findActive(tenant, token)).toBeNull();
    s.alice.active = true;
    s.app.accessTokens = 'None';
    expect(await s.sut.findActive(tenant, token)).toBeNull();
    s.app.accessTokens = 'AuthenticatedUsers';
    s.app.scope = 'read';
    expect((await s.sut.findActive(tenant, token))!.scope).toEqual(['read']);
    expect(s.db.reads).toBe(1);
  });

  it('the application renamed: the row is read again; deleted (with its tokens): inactive', async () => {
    const s = setup();
    const { token, row } = s.addToken();
    expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    s.app.applicationUri = 'renamed.example.com';
    expect((await s.sut.findActive(tenant, token))!.application.applicationUri).toBe('renamed.example.com');
    expect(s.db.reads).toBe(2);
    expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    expect(s.db.reads).toBe(2);
    s.app.applicationUri = 'gone.example.com'; // deleted, and another one (or none) under the old name
    s.rows.delete(row.id);
    expect(await s.sut.findActive(tenant, token)).toBeNull();
  });

  it('the user deleted (with its tokens): inactive', async () => {
    const s = setup();
    const { token } = s.addToken();
    expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    s.users.delete(s.alice.id);
    expect(await s.sut.findActive(tenant, token)).toBeNull();
  });

  it('expiry is honoured from the cache', async () => {
    const s = setup();
    const { token } = s.addToken({ expiresAt: new Date(START + 10_000) });
    expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    s.advance(9_999);
    expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    s.advance(1);
    expect(await s.sut.findActive(tenant, token)).toBeNull();
    expect(s.db.reads).toBe(1);
  });

  it('an unknown value is remembered briefly; any reference-token change of its instance forgets it', async () => {
    const s = setup();
    const unknown = generateReferenceToken();
    expect(await s.sut.findActive(tenant, unknown)).toBeNull();
    expect(await s.sut.findActive(tenant, unknown)).toBeNull();
    expect(s.db.reads).toBe(1);
    s.fromAnotherProcess({ topic: 'reference-token', instanceId: 'i1', key: 'issued-elsewhere' });
    expect(await s.sut.findActive(tenant, unknown)).toBeNull();
    expect(s.db.reads).toBe(2);
    expect(await s.sut.findActive(tenant, 'enrt_short')).toBeNull();
    expect(await s.sut.findActive({ id: 'i2' } as Tenant, unknown)).toBeNull(); // another instance: its own entry
    expect(s.db.reads).toBe(3);
  });

  it("a token of one instance is unknown at another, even once cached", async () => {
    const s = setup();
    const { token } = s.addToken();
    expect(await s.sut.findActive(tenant, token)).not.toBeNull();
    expect(await s.sut.findActive({ id: 'i2' } as Tenant, token)).toBeNull();
  });

  it('a revoked or expired row is cached as such, and costs no owner lookup', async () => {
    const s = setup();
    const { token } = s.addToken({ revokedAt: new Date(START - 1) });
    expect(await s.sut.findActive(tenant, token)).toBeNull();
    expect(await s.sut.findActive(tenant, token)).toBeNull();
    expect(s.db.reads).toBe(1);
  });
});
