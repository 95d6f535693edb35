import { randomBytes, randomFillSync } from 'node:crypto';

/**
 * Random bytes for identifiers and tokens, drawn from the CSPRNG a pool at a time, as
 * crypto.randomUUID does: one call into OpenSSL per 128 refresh tokens or 256 jtis instead of one
 * each. Every byte is handed out once.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function pooledRandomBytes(bytes: number): Buffer {
  if (bytes > POOL_SIZE) return randomBytes(bytes);
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return slice;
}

/** `bytes` random bytes as base64url (codes, refresh tokens, session ids); 32 bytes give 256 bits of entropy. */
export function randomToken(bytes = 32): string {
  return pooledRandomBytes(bytes).toString('base64url');
}

/** A jti / kid style identifier: `bytes` random bytes as upper-case hex. */
export function randomHexId(bytes = 16): string {
  return pooledRandomBytes(bytes).toString('hex').toUpperCase();
}
