import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'iis.session';
export const CSRF_COOKIE = 'iis.csrf';
/** ERP.net ID: the account this browser just registered (`{instance id}.{user id}`), for its verification link. */
export const REGISTRANT_COOKIE = 'iis.registrant';

/** Host-only (no Domain), so a cookie of one instance never reaches another instance's host. */
function options(request: FastifyRequest, maxAgeSeconds?: number) {
  return {
    path: '/id',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: request.protocol === 'https',
    signed: true,
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  };
}

export function readSignedCookie(request: FastifyRequest, name: string): string | undefined {
  const raw = request.cookies?.[name];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  reply.setCookie(SESSION_COOKIE, value, options(request, maxAgeSeconds));
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, options(request));
}

export function setRegistrantCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  reply.setCookie(REGISTRANT_COOKIE, value, options(request, maxAgeSeconds));
}

export function setCsrfCookie(request: FastifyRequest, reply: FastifyReply, value: string): void {
  reply.setCookie(CSRF_COOKIE, value, options(request));
}
