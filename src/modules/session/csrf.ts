import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../../common/crypto/random';
import { CSRF_COOKIE, readSignedCookie, setCsrfCookie } from './session-cookie';

/**
 * Double-submit CSRF protection: a random value in a signed, HttpOnly, SameSite cookie and the same
 * value in a hidden form field. Another site can neither read the cookie nor set it. The cookie
 * also names the instance, so that a cookie set for one instance (tossed from a sibling subdomain)
 * counts for nothing at another.
 */
export function csrfToken(request: FastifyRequest, reply: FastifyReply): string {
  const existing = ownToken(request);
  if (existing) return existing;
  const token = randomToken(24);
  setCsrfCookie(request, reply, `${instanceOf(request)}.${token}`);
  return token;
}

export function csrfValid(request: FastifyRequest, submitted: unknown): boolean {
  const expected = ownToken(request);
  if (!expected || typeof submitted !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token of this instance's CSRF cookie; undefined without one, or for another instance's. */
function ownToken(request: FastifyRequest): string | undefined {
  const value = readSignedCookie(request, CSRF_COOKIE);
  const prefix = `${instanceOf(request)}.`;
  return value?.startsWith(prefix) ? value.slice(prefix.length) : undefined;
}

const instanceOf = (request: FastifyRequest) => request.tenant?.id ?? '-';
