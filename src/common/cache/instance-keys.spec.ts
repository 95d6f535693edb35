import { dropInstanceEntries, InstanceKeyedCache } from './instance-keys';

describe('InstanceKeyedCache', () => {
  afterEach(() => jest.useRealTimers());

  it('reads the clock on each lookup: no timer is armed to cache it, and entries still expire', () => {
    jest.useFakeTimers();
    // A clock of the test's own: a loaded machine may pause longer than any real TTL a test could wait for.
    let now = 1_000;
    const cache = new InstanceKeyedCache<string>({ max: 100, ttl: 30, perf: { now: () => now } });
    cache.set('a x', '1');
    for (let i = 0; i < 10; i++) expect(cache.get('a x')).toBe('1');
    expect(cache.has('a x')).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
    now += 29;
    expect(cache.get('a x')).toBe('1');
    now += 2;
    expect(cache.get('a x')).toBeUndefined();
    expect(cache.keysOf('a')).toEqual([]);
  });

  it('drops one instance\'s entries and leaves the others', () => {
    const cache = new InstanceKeyedCache<string>({ max: 100, ttl: 60_000 });
    cache.set('a x', '1').set('a y', '2').set('b x', '3');
    dropInstanceEntries('a', cache);
    expect([...cache.keys()]).toEqual(['b x']);
    expect(cache.keysOf('a')).toEqual([]);
    expect(cache.keysOf('b')).toEqual(['b x']);
  });

  it('keeps its index true through overwrites, deletions and evictions', () => {
    const cache = new InstanceKeyedCache<string>({ max: 2, ttl: 60_000 });
    cache.set('a x', '1');
    cache.set('a x', '2');
    expect(cache.keysOf('a')).toEqual(['a x']);
    cache.set('b y', '3');
    cache.set('c z', '4'); // evicts 'a x'
    expect(cache.keysOf('a')).toEqual([]);
    cache.delete('b y');
    expect(cache.keysOf('b')).toEqual([]);
    expect(cache.keysOf('c')).toEqual(['c z']);
  });

  it("'*' clears everything", () => {
    const cache = new InstanceKeyedCache<string>({ max: 10, ttl: 60_000 });
    cache.set('a x', '1').set('b y', '2');
    dropInstanceEntries('*', cache);
    expect(cache.size).toBe(0);
    expect(cache.keysOf('a')).toEqual([]);
  });
});
