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
 * The tenant of `instance` reached at `origin`. Built once per cached instance record and origin
 * and shared by the requests that follow (read-only): a changed instance is a new record, whose
 * tenants are built afresh, and the old ones go with the record.
 */
export function tenantFor(instance: InstanceRecord, origin: string): Tenant {
  let byOrigin = tenants.get(instance);
  if (!byOrigin) tenants.set(instance, (byOrigin = new Map()));
  let tenant = byOrigin.get(origin);
  if (!tenant) {
    if (byOrigin.size >= MAX_ORIGINS) byOrigin.clear();
    tenant = { ...instance, origin, issuer: `${origin}/id` };
    byOrigin.set(origin, tenant);
  }
  return tenant;
}
