import type { Tenant } from '../../common/tenant/tenant';

export interface DiscoveryCapabilities {
  grantTypes: string[];
  scopes: string[];
}

/**
 * OpenID Provider Metadata (OIDC Discovery 1.0 §3) for one instance. Lists only what the server
 * implements; each protocol module that lands adds its endpoints here.
 */
export function openidConfiguration(tenant: Tenant, caps: DiscoveryCapabilities): Record<string, unknown> {
  const iss = tenant.issuer;
  return {
    issuer: iss,
    jwks_uri: `${iss}/.well-known/openid-configuration/jwks`,
    token_endpoint: `${iss}/connect/token`,
    scopes_supported: caps.scopes,
    claims_supported: ['iss', 'aud', 'iat', 'nbf', 'exp', 'jti', 'client_id', 'scope', 'client_db', 'client_system_user', 'client_system_user_type', 'client_system_user_id'],
    grant_types_supported: caps.grantTypes,
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    id_token_signing_alg_values_supported: ['RS256'],
    subject_types_supported: ['public'],
  };
}
