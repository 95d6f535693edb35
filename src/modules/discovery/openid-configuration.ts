import type { Tenant } from '../../common/tenant/tenant';
import { RESPONSE_TYPES } from '../authorize/checks/check-response-type';
import { LANGS } from '../session/i18n';
import { SUPPORTED_USER_CLAIMS } from '../tokens/user-claims';

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
    authorization_endpoint: `${iss}/connect/authorize`,
    token_endpoint: `${iss}/connect/token`,
    userinfo_endpoint: `${iss}/connect/userinfo`,
    end_session_endpoint: `${iss}/connect/endsession`,
    pushed_authorization_request_endpoint: `${iss}/connect/par`,
    device_authorization_endpoint: `${iss}/connect/deviceauthorization`,
    require_pushed_authorization_requests: false,
    scopes_supported: caps.scopes,
    claims_supported: [
      ...SUPPORTED_USER_CLAIMS,
      'iss', 'aud', 'iat', 'nbf', 'exp', 'jti', 'auth_time', 'nonce', 'sid', 'amr', 'idp', 'tid', 'at_hash', 'c_hash', 's_hash',
      'client_id', 'scope', 'client_db', 'client_system_user', 'client_system_user_type', 'client_system_user_id',
    ],
    // The token endpoint's grants, and implicit: the id_token and token response types work.
    grant_types_supported: [...caps.grantTypes, 'implicit'],
    response_types_supported: RESPONSE_TYPES,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    code_challenge_methods_supported: ['S256'],
    // No consent page: a Trusted Application's consent is given by the operator who registers it; prompt=consent is accepted as given.
    prompt_values_supported: ['none', 'login', 'select_account'],
    display_values_supported: ['page', 'popup', 'touch', 'wap'],
    ui_locales_supported: [...LANGS],
    claims_parameter_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    require_request_uri_registration: false,
    authorization_response_iss_parameter_supported: true,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    frontchannel_logout_supported: true,
    frontchannel_logout_session_supported: true,
    // none: a Public application sends its client_id alone (with PKCE at the token endpoint).
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint: `${iss}/connect/introspect`,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint: `${iss}/connect/revocation`,
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    id_token_signing_alg_values_supported: ['RS256'],
    subject_types_supported: ['public'],
  };
}
