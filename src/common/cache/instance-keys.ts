/** What of an LRU cache this needs: its keys, and deleting and clearing them. */
interface KeyedCache {
  keys(): Iterable<string>;
  delete(key: string): unknown;
  clear(): void;
}

/** Drops every entry of one instance (or all, for '*', after a lost notification) from caches keyed `${instanceId} ${key}`. */
export function dropInstanceEntries(instanceId: string, ...caches: KeyedCache[]): void {
  for (const cache of caches) {
    if (instanceId === '*') cache.clear();
    else for (const key of [...cache.keys()]) if (key.startsWith(`${instanceId} `)) cache.delete(key);
  }
}
