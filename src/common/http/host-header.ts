import type { FastifyRequest } from 'fastify';

/**
 * RFC 9112 §3.2: a request with more than one Host header, or a Host that is not a valid
 * `host[:port]`, gets 400. Node keeps the first of several Host headers while a proxy may route
 * by another; refusing them keeps the instance a request is served as the one it was sent to.
 */
export function hostHeaderProblem(request: FastifyRequest): string | undefined {
  const problem = hostProblem(request.raw.rawHeaders, request.headers.host) ?? targetHostProblem(request.raw.url ?? '', request.headers.host) ?? schemeProblem(request.protocol);
  // Behind a trusted proxy the host is X-Forwarded-Host's: it becomes the issuer, so it gets the same check.
  if (problem || request.host === request.headers.host) return problem;
  return hostValueProblem(request.host) && 'X-Forwarded-Host is not host[:port]';
}

/** The same check on a raw request's headers (the fast lane's, which has no Fastify request). */
export function hostProblem(raw: string[], host: string | undefined): string | undefined {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'host') count++;
  if (count > 1) return 'exactly one Host header is required';
  return hostValueProblem(host);
}

/** A Host (or forwarded host) value that is not `host[:port]` with a port from 1 to 65535. */
export function hostValueProblem(host: string | undefined): string | undefined {
  // host, or [IPv6], then an optional :port of digits.
  const parts = /^(\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/.exec(host ?? '');
  if (!parts) return 'the Host header is not host[:port]';
  const port = parts[2];
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535)) return 'the Host header has an invalid port';
  return undefined;
}

/**
 * RFC 9112 §3.2.2: a request target in absolute form (`GET http://host/path`) names a host, which
 * the client must repeat in Host. The router reads only its path and the instance is chosen by
 * Host, so a request whose two disagree is refused rather than served as one while it names the other.
 */
export function targetHostProblem(url: string, host: string | undefined): string | undefined {
  if (url.charCodeAt(0) === 47) return undefined; // origin form (`/path`): the usual case
  const target = /^(https?):\/\/([^/?#]*)/i.exec(url);
  if (!target) return undefined;
  const scheme = target[1].toLowerCase();
  const authority = withoutDefaultPort(target[2].toLowerCase(), scheme);
  return authority === withoutDefaultPort((host ?? '').toLowerCase(), scheme) ? undefined : 'the request target names another host than the Host header';
}

function withoutDefaultPort(hostPort: string, scheme: string): string {
  const port = scheme === 'https' ? ':443' : ':80';
  return hostPort.endsWith(port) ? hostPort.slice(0, -port.length) : hostPort;
}

/**
 * The scheme a trusted proxy forwards (X-Forwarded-Proto) becomes the issuer's and decides secure
 * cookies and HSTS: only `http` and `https`, in these letters, as proxies send them.
 */
function schemeProblem(protocol: string): string | undefined {
  return protocol === 'https' || protocol === 'http' ? undefined : 'X-Forwarded-Proto must be http or https';
}
