import { LRUCache } from 'lru-cache';

/** A count one process made for a rate-limit key since its last report, and when its window for that key ends (ms since the epoch). */
export type CountEntry = [key: string, count: number, resetAt: number];

/** How the counts travel between the server's processes (ChangeFeed: NOTIFY, or the cluster primary). */
export interface CountsChannel {
  publishCounts(entries: CountEntry[]): void;
  subscribeCounts(handler: (entries: readonly unknown[]) => void): void;
}

/** How often a process tells the others what it counted: the most a limit can be overrun by, in time. */
export const SHARE_INTERVAL_MS = 100;
/** Keys told per report; more wait for the next one. */
const ENTRIES_PER_REPORT = 2_000;
/** Keys waiting to be told; beyond it a new key is counted here only, until the queue drains. */
const MAX_PENDING = 50_000;
/** Keys of other processes kept; beyond it the least recently seen are forgotten. */
const MAX_PEERS = 200_000;

/**
 * The rate-limit counts of the other server processes (every worker of every node on the same
 * database). Each process counts in its own memory and, at most SHARE_INTERVAL_MS later, tells
 * the others what it counted; a limit is then checked against its own count plus theirs.
 *
 * Counts are approximate, as in any limiter that does not ask a shared store per request: a
 * burst spread over several processes can pass the limit by what they count in one interval, and
 * each process's window for a key starts at its own first request. What others counted is kept
 * until the latest of their windows ends.
 */
export class SharedCounts {
  private readonly peers = new LRUCache<string, { count: number; resetAt: number }>({ max: MAX_PEERS });
  private readonly pending = new Map<string, CountEntry>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly channel: CountsChannel,
    private readonly intervalMs = SHARE_INTERVAL_MS,
  ) {
    channel.subscribeCounts((entries) => this.receive(entries, Date.now()));
  }

  /** What the other processes counted for `key` in windows that have not ended at `now`. */
  others(key: string, now: number): number {
    const peer = this.peers.get(key);
    if (!peer) return 0;
    if (peer.resetAt > now) return peer.count;
    this.peers.delete(key);
    return 0;
  }

  /** One request counted here for `key`, in this process's window that ends at `resetAt`. */
  counted(key: string, resetAt: number): void {
    const entry = this.pending.get(key);
    if (entry) {
      entry[1]++;
      entry[2] = resetAt;
    } else if (this.pending.size < MAX_PENDING) {
      this.pending.set(key, [key, 1, resetAt]);
    }
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs).unref();
  }

  /** Tells the others what was counted since the last report. */
  flush(): void {
    this.timer = undefined;
    const entries: CountEntry[] = [];
    for (const [key, entry] of this.pending) {
      if (entries.length === ENTRIES_PER_REPORT) break;
      entries.push(entry);
      this.pending.delete(key);
    }
    if (this.pending.size) this.timer = setTimeout(() => this.flush(), this.intervalMs).unref();
    if (entries.length) this.channel.publishCounts(entries);
  }

  /** Another process's report. Whatever is not a well-formed entry is ignored. */
  receive(entries: readonly unknown[], now: number): void {
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 3) continue;
      const [key, count, resetAt] = entry as unknown[];
      if (typeof key !== 'string' || !Number.isSafeInteger(count) || (count as number) < 1 || typeof resetAt !== 'number' || !(resetAt > now)) continue;
      const peer = this.peers.get(key);
      if (!peer || peer.resetAt <= now) this.peers.set(key, { count: count as number, resetAt });
      else {
        peer.count += count as number;
        peer.resetAt = Math.max(peer.resetAt, resetAt);
      }
    }
  }
}
