import { randomBytes } from 'node:crypto';

/** `bytes` random bytes as base64url; 32 bytes give 256 bits of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A jti / kid style identifier: `bytes` random bytes as upper-case hex. */
export function randomHexId(bytes = 16): string {
  return randomBytes(bytes).toString('hex').toUpperCase();
}
