import { Controller, Get, Header } from '@nestjs/common';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import type { WebSite } from '../instances/instance.types';

/** Sites change with the instance only; a minute of caching is enough for the ERP.net clients that poll it. */
export const AUTO_DISCOVERY_CACHE = 'public, max-age=60';

/** ERP.net's `/sys/auto-discovery`: the ID site, always, then the sites the instance was given. */
export function autoDiscovery(tenant: Tenant): { WebSites: WebSite[] } {
  const id: WebSite = { Type: 'ID', Status: 'Working', Url: tenant.issuer };
  const others = tenant.webSites
    .filter((w) => w.Type !== 'ID')
    .map((w) => ({ Type: w.Type, Status: w.Status ?? 'Working', Url: w.Url, ...(w.AdditionalProperties ? { AdditionalProperties: w.AdditionalProperties } : {}) }));
  return { WebSites: [id, ...others] };
}

@Controller('sys')
export class AutoDiscoveryController {
  @Get('auto-discovery')
  @Header('Cache-Control', AUTO_DISCOVERY_CACHE)
  autoDiscovery(@CurrentTenant() tenant: Tenant): { WebSites: WebSite[] } {
    return autoDiscovery(tenant);
  }
}
