import { createHash } from 'node:crypto';

/** OIDC Core §3.3.2.11 at_hash / c_hash / s_hash for RS256: left half of SHA-256, base64url. */
export function leftHalfHash(value: string): string {
  const digest = createHash('sha256').update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
