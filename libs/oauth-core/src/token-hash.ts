import { sha256 } from './sha256';

/**
 * OIDC Core §3.3.2.11 at_hash / c_hash / s_hash for RS256: left half of SHA-256, base64url.
 * The value is hashed as its UTF-8 octets. For the ASCII values the specification has in mind
 * (codes, tokens, a well-formed state) that is the same thing; for a state with other characters
 * it is what relying parties compute (openid-client, oidc-token-hash, Microsoft.IdentityModel),
 * whereas Node's 'ascii' encoding would drop the high bits and no client could verify s_hash.
 */
export function leftHalfHash(value: string): string {
  const digest = sha256(value);
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
