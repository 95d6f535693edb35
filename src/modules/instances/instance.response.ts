import type { InstanceRecord } from '../../common/tenant/tenant';
import type { InstanceSettings, WebSite } from './instance.types';

export type InstanceResponseDto = {
  Id: string;
  Name: string;
  Hosts: string[];
  Database: string;
  Type: string;
  WebSites: WebSite[];
  ErpNetIdSignInEnabled: boolean;
  ExternalProviders: { Name: string; DisplayName?: string; Issuer: string; ClientId: string; TenantId?: string; HasClientSecret: boolean }[];
} & InstanceSettings;

export function instanceResponse(i: InstanceRecord): InstanceResponseDto {
  return {
    Id: i.id,
    Name: i.name,
    Hosts: i.hosts,
    Database: i.database,
    Type: i.type,
    WebSites: i.webSites,
    ErpNetIdSignInEnabled: i.erpNetIdSignInEnabled,
    ExternalProviders: i.externalProviders.map(({ ClientSecretEncrypted, ...p }) => ({ ...p, HasClientSecret: !!ClientSecretEncrypted })),
    ...i.settings,
  };
}
