export type KeyState = 'Pending' | 'Active' | 'Retired' | 'Expired';

export interface KeyDates {
  activatesAt: Date;
  retiresAt: Date | null;
  expiresAt: Date | null;
}

/**
 * Pending: published, not yet signing (verifiers learn it first).
 * Active: published and signing. Retired: published so its tokens still verify, not signing.
 * Expired: every token it signed has expired; no longer published.
 */
export function keyState(key: KeyDates, now: Date): KeyState {
  const t = now.getTime();
  if (key.expiresAt && t >= key.expiresAt.getTime()) return 'Expired';
  if (key.retiresAt && t >= key.retiresAt.getTime()) return 'Retired';
  if (t < key.activatesAt.getTime()) return 'Pending';
  return 'Active';
}

export function isPublished(key: KeyDates, now: Date): boolean {
  return keyState(key, now) !== 'Expired';
}

/** The newest active key signs; older ones are overlapping only until their retirement. */
export function pickSigningKey<K extends KeyDates>(keys: readonly K[], now: Date): K | undefined {
  let best: K | undefined;
  for (const k of keys) {
    if (keyState(k, now) !== 'Active') continue;
    if (!best || k.activatesAt.getTime() > best.activatesAt.getTime()) best = k;
  }
  return best;
}

/** The next instant at which any key changes state, so caches know when to look again. */
export function nextTransition(keys: readonly KeyDates[], now: Date): Date | undefined {
  const t = now.getTime();
  const times = keys
    .flatMap((k) => [k.activatesAt, k.retiresAt, k.expiresAt])
    .filter((d): d is Date => !!d && d.getTime() > t)
    .map((d) => d.getTime());
  return times.length ? new Date(Math.min(...times)) : undefined;
}

/**
 * Dates for a rotation at `now`: the new key signs after `propagationDelayMs` (when every
 * verifier's cached JWKS has picked it up), and the keys it replaces retire at that moment
 * and stay published for `maxTokenLifetimeMs` more, until every token they signed is expired.
 */
export function rotationPlan(now: Date, propagationDelayMs: number, maxTokenLifetimeMs: number) {
  const activatesAt = new Date(now.getTime() + propagationDelayMs);
  return {
    newKey: { activatesAt },
    replaced: { retiresAt: activatesAt, expiresAt: new Date(activatesAt.getTime() + maxTokenLifetimeMs) },
  };
}
