import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

/** Wrong admin keys one client address may present in a minute before it is refused for the rest of that minute. */
export const ADMIN_KEY_GUESSES_PER_MINUTE = 100;
const WINDOW_MS = 60_000;

/**
 * Online guessing of the admin API key: each process counts the wrong keys presented per client
 * address in a fixed window of a minute from the first; past the limit, that address gets 429
 * until the window ends, with the right key too, so that a guess costs the same either way.
 * A request without any key is no guess and is not counted.
 */
@Injectable()
export class AdminKeyGuesses {
  private readonly wrong = new LRUCache<string, { count: number }>({ max: 10_000, ttl: WINDOW_MS });

  /** Seconds until `address` may present a key again; 0 when it may now. */
  refusedFor(address: string): number {
    const entry = this.wrong.get(address);
    if (!entry || entry.count < ADMIN_KEY_GUESSES_PER_MINUTE) return 0;
    return Math.max(1, Math.ceil(this.wrong.getRemainingTTL(address) / 1000));
  }

  /** Counts a wrong key; the window is the one the address's first wrong key opened. */
  wrongKey(address: string): void {
    const entry = this.wrong.get(address);
    if (entry) entry.count++;
    else this.wrong.set(address, { count: 1 });
  }
}
