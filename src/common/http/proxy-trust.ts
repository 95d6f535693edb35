import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/**
 * Which proxies are trusted (TRUST_PROXY): none; the nearest N hops (`true` is one: the reverse
 * proxy in front of the server); or the proxies at these addresses or CIDR ranges. Only a trusted
 * proxy's X-Forwarded-Host and X-Forwarded-Proto count, and the client address is the right-most
 * X-Forwarded-For entry no trusted proxy added: the entries left of it are the client's to write.
 */
export type ProxyTrust = false | number | readonly string[];

/** Fastify's `trustProxy` option for it, which the fast lane reads alike through trustFunction. */
export function fastifyTrustProxy(trust: ProxyTrust): false | number | string[] {
  return trust === false ? false : typeof trust === 'number' ? trust : [...trust];
}

const TRUST_NONE = () => false;

/** Whether the address at hop `i` (0: the socket's peer) is a trusted proxy: Fastify's own rule. */
export function trustFunction(trust: ProxyTrust): (address: string, hop: number) => boolean {
  if (trust === false) return TRUST_NONE;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyAddr.compile([...trust]);
}

/** The client's address: Fastify's request.ip under the same trust. */
export function clientAddressOf(req: IncomingMessage, trusted: (address: string, hop: number) => boolean): string {
  // No proxy trusted (the usual case of the hot routes): the peer, without parsing any header.
  if (trusted === TRUST_NONE) return req.socket.remoteAddress ?? '';
  const addresses = proxyAddr.all(req, trusted);
  return addresses[addresses.length - 1] ?? req.socket.remoteAddress ?? '';
}

/** Reads TRUST_PROXY: true/1 (one hop), false/0, a hop count, or a comma-separated list of addresses and CIDRs. */
export function parseProxyTrust(value: string | boolean | undefined): ProxyTrust | 'invalid' {
  if (value === undefined || value === false) return false;
  if (value === true) return 1;
  const text = value.trim().toLowerCase();
  if (text === '' || text === 'false' || text === '0') return false;
  if (text === 'true') return 1;
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const list = text.split(',').map((entry) => entry.trim());
  try {
    proxyAddr.compile(list);
  } catch {
    return 'invalid';
  }
  return list.every(Boolean) ? list : 'invalid';
}
