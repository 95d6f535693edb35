import type { DataSource } from 'typeorm';
import { ChangeFeed, COUNTS_CHANNEL } from '../cache/change-feed.service';
import type { DatabaseEndpoint } from '../../database/data-source-options';
import { DEFAULT_INSTANCE_SETTINGS } from '../../modules/instances/instance.types';
import type { Tenant } from '../tenant/tenant';
import { RateLimits } from './rate-limit.hook';
import { SharedCounts, type CountEntry, type CountsChannel } from './shared-counts';

/** Processes joined as by the ChangeFeed: what one publishes reaches every other one. */
function bus() {
  const members: ((entries: readonly unknown[]) => void)[] = [];
  const reports: CountEntry[][] = [];
  const join = (): CountsChannel => {
    let mine: ((entries: readonly unknown[]) => void) | undefined;
    return {
      subscribeCounts: (handler) => void members.push((mine = handler)),
      publishCounts: (entries) => {
        reports.push(entries);
        for (const member of members) if (member !== mine) member(JSON.parse(JSON.stringify(entries)));
      },
    };
  };
  return { join, reports };
}

const tenant = { id: '00000000-0000-4000-8000-000000000001', settings: { ...DEFAULT_INSTANCE_SETTINGS, TokenRateLimitPerClient: 3, TokenRateLimitPerIp: 1000 } } as unknown as Tenant;
const token = (limits: RateLimits) => limits.check({ tenant, method: 'POST', routeOptions: { url: '/id/connect/token' }, ip: '203.0.113.7', headers: {}, body: { client_id: 'app' } });

describe('SharedCounts', () => {
  it("adds what the other processes reported to this process's count", () => {
    const { join } = bus();
    const a = new SharedCounts(join());
    const b = new SharedCounts(join());
    const end = Date.now() + 60_000;
    a.counted('k', end);
    a.counted('k', end);
    expect(b.others('k', Date.now())).toBe(0); // not reported yet
    a.flush();
    expect(b.others('k', Date.now())).toBe(2);
    expect(a.others('k', Date.now())).toBe(0); // its own count is its LocalStore's
    b.counted('k', end);
    b.flush();
    expect(a.others('k', Date.now())).toBe(1);
    expect(b.others('other', Date.now())).toBe(0);
  });

  it("forgets another process's count when its window ends", () => {
    const { join } = bus();
    const a = new SharedCounts(join());
    const b = new SharedCounts(join());
    const now = Date.now();
    a.counted('k', now + 1_000);
    a.flush();
    expect(b.others('k', now)).toBe(1);
    expect(b.others('k', now + 1_000)).toBe(0);
    // a report of a window already over counts for nothing
    b.receive([['late', 5, now - 1]], now);
    expect(b.others('late', now)).toBe(0);
  });

  it('reports by itself within the interval, and only what was counted since the last report', async () => {
    const { join, reports } = bus();
    const a = new SharedCounts(join(), 5);
    const b = new SharedCounts(join(), 5);
    const end = Date.now() + 60_000;
    a.counted('k', end);
    a.counted('j', end);
    await new Promise((r) => setTimeout(r, 30));
    expect(reports).toEqual([[['k', 1, end], ['j', 1, end]]]);
    a.counted('k', end);
    await new Promise((r) => setTimeout(r, 30));
    expect(reports[1]).toEqual([['k', 1, end]]);
    expect(b.others('k', Date.now())).toBe(2);
    await new Promise((r) => setTimeout(r, 30));
    expect(reports).toHaveLength(2); // nothing counted, nothing sent
  });

  it('sends at most 2,000 keys a report; the rest follow', () => {
    const { join, reports } = bus();
    const a = new SharedCounts(join(), 60_000);
    const b = new SharedCounts(join());
    const end = Date.now() + 60_000;
    for (let i = 0; i < 2_500; i++) a.counted(`k${i}`, end);
    a.flush();
    expect(reports.map((r) => r.length)).toEqual([2_000]);
    a.flush();
    expect(reports.map((r) => r.length)).toEqual([2_000, 500]);
    expect(b.others('k0', Date.now()) + b.others('k2499', Date.now())).toBe(2);
  });

  it('ignores entries that are not well formed', () => {
    const b = new SharedCounts(bus().join());
    const now = Date.now();
    b.receive([['k', 1.5, now + 1_000], ['k', -1, now + 1_000], [1, 1, now + 1_000], ['k', 1], 'k', null, ['k', 1, 'soon'], ['k', 2, now + 1_000]], now);
    expect(b.others('k', now)).toBe(2);
  });
});

describe('RateLimits with SharedCounts', () => {
  it("refuses a client over its limit counted across processes, as soon as the others' counts arrive", () => {
    const { join } = bus();
    const sharedA = new SharedCounts(join(), 60_000);
    const a = new RateLimits(undefined, sharedA);
    const b = new RateLimits(undefined, new SharedCounts(join(), 60_000));
    expect(token(a)).toBeUndefined();
    expect(token(a)).toBeUndefined();
    sharedA.flush();
    expect(token(b)).toBeUndefined(); // 2 there + 1 here
    expect(token(b)).toMatchObject({ response: 'oauth' }); // 2 + 2 > 3
    expect(token(a)).toBeUndefined(); // b has not reported yet: 3 here
  });
});

describe('ChangeFeed carries the counts', () => {
  // On PostgreSQL: the reports go through the LISTEN connection, never the pool.
  const feedOn = (sent: string[]) => {
    const pool = { query: async () => void sent.push('through the pool') } as unknown as DataSource;
    const feed = new ChangeFeed(pool, { embedded: false, url: 'postgres://x', poolSize: 1 } as DatabaseEndpoint);
    (feed as unknown as { listener: object }).listener = { query: async (_sql: string, [channel, payload]: string[]) => void sent.push(channel === COUNTS_CHANNEL ? payload : `on ${channel}`) };
    return feed;
  };

  it('in NOTIFY payloads under 8000 bytes on a channel of their own, to every process but the sender', async () => {
    const sent: string[] = [];
    const a = feedOn(sent);
    const b = feedOn([]);
    const receivedByA: unknown[] = [];
    const receivedByB: unknown[] = [];
    a.subscribeCounts((entries) => receivedByA.push(...entries));
    b.subscribeCounts((entries) => receivedByB.push(...entries));
    const end = Date.now() + 60_000;
    const entries: CountEntry[] = Array.from({ length: 300 }, (_, i) => [`00000000-0000-4000-8000-000000000001 POST /id/connect/token client-${i} 203.0.113.${i % 250}`, i + 1, end]);
    a.publishCounts(entries);
    await new Promise((r) => setImmediate(r));
    expect(sent.length).toBeGreaterThan(1);
    for (const payload of sent) expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    const deliver = (feed: ChangeFeed, payload: string) => (feed as unknown as { receive(p: string): void }).receive(payload);
    for (const payload of sent) {
      deliver(a, payload);
      deliver(b, payload);
    }
    expect(receivedByA).toEqual([]);
    expect(receivedByB).toEqual(entries);
  });

  it('shares nothing when it is the only process', () => {
    const alone = new ChangeFeed({} as DataSource, { embedded: true, url: '', poolSize: 1 } as DatabaseEndpoint);
    expect(alone.sharing).toBe(false);
    expect(feedOn([]).sharing).toBe(true);
  });
});
