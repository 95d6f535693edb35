import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../../common/crypto/random';
import { CSRF_COOKIE, readSignedCookie, setCsrfCookie } from './session-cookie';

/**
 * Double-submit CSRF protection: a random value in a signed, HttpOnly, SameSite cookie and the same
 * value in a hidden form field. Another site can neither read the cookie nor set it.
 */
export function csrfToken(request: FastifyRequest, reply: FastifyReply): string {
  const existing = readSignedCookie(request, CSRF_COOKIE);
  if (existing) return existing;
  const token = randomToken(24);
  setCsrfCookie(request, reply, token);
  return token;
}

export function csrfValid(request: FastifyRequest, submitted: unknown): boolean {
  const expected = readSignedCookie(request, CSRF_COOKIE);
  if (!expected || typeof submitted !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}
