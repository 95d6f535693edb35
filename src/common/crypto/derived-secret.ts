import { hkdfSync } from 'node:crypto';

/**
 * A secret for one purpose, derived from KEY_ENCRYPTION_KEY with HKDF, so every node that shares
 * the master key shares it too and no second secret needs configuring.
 */
export function deriveSecret(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `iis:${purpose}`, 32));
}
