import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256 } from '@app/oauth-core';

/** ERP.net's prefix: it lets secret scanners recognise a leaked reference token. */
export const REFERENCE_TOKEN_PREFIX = 'enrt_';
const FORMAT = /^enrt_[0-9a-f]{64}$/;

/** `enrt_` + 64 lower-case hex characters: 256 random bits. */
export function generateReferenceToken(): string {
  return REFERENCE_TOKEN_PREFIX + randomBytes(32).toString('hex');
}

/** True when `value` has the shape of a reference token (says nothing about whether it exists). */
export function isReferenceTokenFormat(value: string): boolean {
  return FORMAT.test(value);
}

/** sha256(token): the only form in which a token is stored. 256 random bits need no salt. */
export function hashReferenceToken(token: string): Buffer {
  return sha256(token);
}

/** Compares a stored hex hash with a computed digest in constant time. */
export function sameTokenHash(storedHex: string, digest: Buffer): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  return stored.length === digest.length && timingSafeEqual(stored, digest);
}
