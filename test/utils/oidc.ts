import dns, { lookup as dnsLookup } from 'node:dns';
import { custom, Issuer, type Client } from 'openid-client';
import type { TestServer } from './test-server';

/**
 * openid-client reaches the server at http://{instance host}:{port}: every test host name
 * resolves to loopback, as *.localhost does in a browser.
 */
let installed = false;
export function installLoopbackLookup(): void {
  if (installed) return;
  installed = true;
  patchDnsLookup();
  custom.setHttpOptionsDefaults({
    timeout: 10_000,
    lookup: ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
      if (hostname.endsWith('.test.local') || hostname.endsWith('.localhost')) {
        const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
        return all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4);
      }
      return dnsLookup(hostname, options as never, callback as never);
    }) as never,
  });
}

export function issuerUrl(ts: TestServer, host: string): string {
  return `http://${host}:${ts.port}/id`;
}

/** A strict RP: discovery, then a client registered as the Trusted Application. */
export async function rpClient(ts: TestServer, host: string, metadata: { client_id: string; client_secret?: string; redirect_uris: string[]; response_types?: string[]; post_logout_redirect_uris?: string[]; token_endpoint_auth_method?: string }): Promise<Client> {
  installLoopbackLookup();
  const issuer = await Issuer.discover(issuerUrl(ts, host));
  return new issuer.Client({ id_token_signed_response_alg: 'RS256', ...metadata } as never);
}

/**
 * The server's own outgoing requests (federation discovery, remote JWKS, back-channel logout) use
 * node's dns.lookup through net: test host names resolve to loopback for them too.
 */
function patchDnsLookup(): void {
  const original = dns.lookup.bind(dns) as (...args: unknown[]) => void;
  (dns as { lookup: unknown }).lookup = (hostname: string, options: unknown, callback?: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
    if (hostname.endsWith('.test.local') || hostname.endsWith('.localhost')) {
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
      process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
      return;
    }
    return typeof options === 'function' ? original(hostname, options) : original(hostname, options, callback);
  };
}
