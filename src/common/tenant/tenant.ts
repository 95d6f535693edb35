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

export function tenantFor(instance: InstanceRecord, origin: string): Tenant {
  return { ...instance, origin, issuer: `${origin}/id` };
}
