import type { Tenant } from '../../common/tenant/tenant';
import { ERPNET_ID_PROVIDER, type StoredExternalProvider } from '../instances/instance.types';
import type { Messages } from '../session/i18n';

export interface ProviderLink {
  url: string;
  label: string;
}

/** The upstream providers an instance offers on its sign-in page: ERP.net ID only when ErpNetIdSignInEnabled. */
export function enabledProviders(tenant: Tenant): StoredExternalProvider[] {
  return tenant.externalProviders.filter((p) => p.Name !== ERPNET_ID_PROVIDER || tenant.erpNetIdSignInEnabled);
}

export function providerLinks(tenant: Tenant, sealedRequest: string | undefined, t: Messages): ProviderLink[] {
  return enabledProviders(tenant).map((p) => ({
    url: `${tenant.issuer}/account/external/${encodeURIComponent(p.Name)}${sealedRequest ? `?request=${encodeURIComponent(sealedRequest)}` : ''}`,
    label: p.Name === ERPNET_ID_PROVIDER ? t.signInWithErpNetId : `${t.signInWith} ${p.DisplayName ?? p.Name}`,
  }));
}

/** Where an upstream sends the person back to this instance; registered at the upstream exactly. */
export function externalCallbackUrl(tenant: Tenant): string {
  return `${tenant.issuer}/account/external/callback`;
}

/** Where an upstream sends the person back after signing them out; registered at the upstream (ImpersonateLogoutUrl). */
export function externalLoggedOutUrl(tenant: Tenant): string {
  return `${tenant.issuer}/account/external/logged-out`;
}
