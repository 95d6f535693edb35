import { timingSafeEqual } from 'node:crypto';
import { sha256 } from './sha256';

// Trusted Application secrets are stored as ERP.net does: base64(sha256(secret)).
export function hashSecret(secret: string): string {
  return sha256(secret, 'base64');
}

/** True when `value` is the base64 form of exactly 32 bytes (a SHA-256 digest). */
export function isSha256Base64(value: string): boolean {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(value)) return false;
  return Buffer.from(value, 'base64').length === 32;
}

/**
 * Compares a presented secret with a stored base64(sha256) hash in constant time.
 * Both sides are 32-byte digests, so neither the secret's length nor the position of
 * the first differing byte shows in the timing.
 */
export function verifySecret(presented: string, storedHash: string | null | undefined): boolean {
  const presentedDigest = sha256(presented);
  const stored = storedHash && isSha256Base64(storedHash) ? Buffer.from(storedHash, 'base64') : Buffer.alloc(32);
  const equal = timingSafeEqual(presentedDigest, stored);
  return equal && !!storedHash;
}
