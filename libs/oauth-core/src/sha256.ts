import { hash } from 'node:crypto';

/**
 * SHA-256 of a string's UTF-8 octets (or of bytes) in one call. crypto.hash makes no Hash object
 * per call, which the token and introspection paths notice (bench/); the digest is the same.
 */
export function sha256(data: string | Buffer): Buffer;
export function sha256(data: string | Buffer, encoding: 'hex' | 'base64' | 'base64url'): string;
export function sha256(data: string | Buffer, encoding?: 'hex' | 'base64' | 'base64url'): Buffer | string {
  return encoding ? hash('sha256', data, encoding) : hash('sha256', data, 'buffer');
}
