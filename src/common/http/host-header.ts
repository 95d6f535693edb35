import type { FastifyRequest } from 'fastify';

/**
 * RFC 9112 §3.2: a request with more than one Host header, or a Host that is not a valid
 * `host[:port]`, gets 400. Node keeps the first of several Host headers while a proxy may route
 * by another; refusing them keeps the instance a request is served as the one it was sent to.
 */
export function hostHeaderProblem(request: FastifyRequest): string | undefined {
  return hostProblem(request.raw.rawHeaders, request.headers.host);
}

/** The same check on a raw request's headers (the fast lane's, which has no Fastify request). */
export function hostProblem(raw: string[], host: string | undefined): string | undefined {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'host') count++;
  if (count > 1) return 'exactly one Host header is required';
  // host, or [IPv6], then an optional :port of digits.
  const parts = /^(\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/.exec(host ?? '');
  if (!parts) return 'the Host header is not host[:port]';
  const port = parts[2];
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) > 65_535)) return 'the Host header has an invalid port';
  return undefined;
}
