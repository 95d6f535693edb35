import { dropInstanceEntries, InstanceKeyedCache } from './instance-keys';

describe('InstanceKeyedCache', () => {
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
