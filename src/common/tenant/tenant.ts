import type { InstanceSettings, InstanceType, StoredExternalProvider, WebSite } from '../../modules/instances/instance.types';

/** An instance as the server caches it, independent of the request. */
export interface InstanceRecord {
  id: string;
  name: string;
  type: InstanceType;
  database: string;
  hosts: string[];
  webSites: WebSite[];
  erpNetIdSignInEnabled: boolean;
  externalProviders: StoredExternalProvider[];
  settings: InstanceSettings;
}

/** The instance a request is for, resolved once from its host, with the issuer that host implies. */
export interface Tenant extends InstanceRecord {
  /** `{scheme}://{host}/id` */
  issuer: string;
  /** `{scheme}://{host}` */
  origin: string;
}

/** Origins remembered per cached instance record; more (ports sent by a caller) start over. */
const MAX_ORIGINS = 16;
const tenants = new WeakMap<InstanceRecord, Map<string, Tenant>>();

/**
 * The tenant of `instance` reached at `origin` (`{scheme}://{Host}`, as the request sent it). Built once per cached instance record and origin
 * and shared by the requests that follow (read-only): a changed instance is a new record, whose
 * tenants are built afresh, and the old ones go with the record.
 */
export function tenantFor(instance: InstanceRecord, origin: string): Tenant {
  let byOrigin = tenants.get(instance);
  if (!byOrigin) tenants.set(instance, (byOrigin = new Map()));
  let tenant = byOrigin.get(origin);
  if (!tenant) {
    if (byOrigin.size >= MAX_ORIGINS) byOrigin.clear();
    const canonical = canonicalOrigin(origin);
    tenant = { ...instance, origin: canonical, issuer: `${canonical}/id` };
    byOrigin.set(origin, tenant);
  }
  return tenant;
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443' };

/**
 * `{scheme}://{host}` as a URL parser writes it, so that one instance has one issuer however a
 * caller spells its host: the host lower-cased, the port without leading zeros, and none when it
 * is the scheme's default (a token issued at `TESTDB.localhost:80` verifies at `testdb.localhost`).
 */
export function canonicalOrigin(origin: string): string {
  const at = origin.indexOf('://');
  const scheme = origin.slice(0, at).toLowerCase();
  const authority = origin.slice(at + 3).toLowerCase();
  const colon = authority.lastIndexOf(':');
  if (colon === -1 || authority.endsWith(']')) return `${scheme}://${authority}`;
  const port = String(Number(authority.slice(colon + 1)));
  const host = authority.slice(0, colon);
  return port === DEFAULT_PORTS[scheme] ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}
