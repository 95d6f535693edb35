import { timingSafeEqual } from 'node:crypto';
import { sha256 } from './sha256';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

export function isValidCodeVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

export function isValidCodeChallenge(challenge: string): boolean {
  return CHALLENGE.test(challenge);
}

/** BASE64URL(SHA256(verifier)); a valid verifier is ASCII, whose UTF-8 octets are its ASCII octets. */
export function s256(verifier: string): string {
  return sha256(verifier, 'base64url');
}

/** RFC 7636 §4.6 with S256, compared in constant time. */
export function verifyS256(verifier: string, challenge: string): boolean {
  if (!isValidCodeVerifier(verifier)) return false;
  const a = Buffer.from(s256(verifier));
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
