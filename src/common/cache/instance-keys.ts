import { LRUCache, type Perf } from 'lru-cache';

/**
 * lru-cache's `ttlResolution` for every cache with a TTL: read the clock on each lookup. By default
 * it keeps the time for 1 ms behind a setTimeout, so that under load each cache arms and fires a
 * timer every millisecond, which costs more than the performance.now() it saves.
 */
export const PRECISE_CLOCK = 0;

/** What of an LRU cache this needs: its keys, and deleting and clearing them. */
interface KeyedCache {
  keys(): Iterable<string>;
  delete(key: string): unknown;
  clear(): void;
}

/**
 * An LRU cache keyed `${instanceId} ${key}` that also knows which keys each instance has, so that
 * dropping one instance's entries touches only those, however many instances are cached.
 */
export class InstanceKeyedCache<V extends NonNullable<unknown>> extends LRUCache<string, V> {
  private readonly index: Map<string, Set<string>>;

  constructor(options: { max: number; ttl: number; perf?: Perf }) {
    const index = new Map<string, Set<string>>();
    // Called on eviction, expiry, deletion and overwrite: the key leaves the index (set() adds it back).
    super({ ...options, ttlResolution: PRECISE_CLOCK, dispose: (_value, key) => unindex(index, key) });
    this.index = index;
  }

  override set(key: string, value: V, options?: LRUCache.SetOptions<string, V, unknown>): this {
    super.set(key, value, options);
    const instanceId = key.slice(0, key.indexOf(' '));
    let keys = this.index.get(instanceId);
    if (!keys) this.index.set(instanceId, (keys = new Set()));
    keys.add(key);
    return this;
  }

  /** The cached keys of one instance. */
  keysOf(instanceId: string): string[] {
    return [...(this.index.get(instanceId) ?? [])];
  }

  dropInstance(instanceId: string): void {
    for (const key of this.keysOf(instanceId)) this.delete(key);
    this.index.delete(instanceId);
  }
}

function unindex(index: Map<string, Set<string>>, key: string): void {
  const instanceId = key.slice(0, key.indexOf(' '));
  const keys = index.get(instanceId);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(instanceId);
}

/** Drops every entry of one instance (or all, for '*', after a lost notification) from caches keyed `${instanceId} ${key}`. */
export function dropInstanceEntries(instanceId: string, ...caches: KeyedCache[]): void {
  for (const cache of caches) {
    if (instanceId === '*') cache.clear();
    else if (cache instanceof InstanceKeyedCache) cache.dropInstance(instanceId);
    else for (const key of [...cache.keys()]) if (key.startsWith(`${instanceId} `)) cache.delete(key);
  }
}
