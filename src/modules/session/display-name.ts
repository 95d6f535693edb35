import type { Tenant } from '../../common/tenant/tenant';

/** The name the person-facing pages show: the Global authority is branded ERP.net ID; an instance shows its own name. */
export function displayName(tenant: Tenant): string {
  return tenant.type === 'Global' ? 'ERP.net ID' : tenant.name;
}
