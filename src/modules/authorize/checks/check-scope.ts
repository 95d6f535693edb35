import { parseScope, scopesOutside, stringParam } from '@app/oauth-core';
import { InvalidRequest, InvalidScope } from '../../../common/oauth/errors';
import { IDENTITY_SCOPES, IGNORED_SCOPES } from '../../tokens/user-claims';
import type { TrustedApplicationEntity } from '../../trusted-applications/trusted-application.entity';
import type { AuthorizeCheck } from '../authorize.types';

/**
 * The scopes a user grant may hold: identity scopes (openid, profile, email, offline_access,
 * granted automatically) and the application's own Scope. Without any scope, the application's
 * Scope is the default, as for client_credentials (RFC 6749 §3.3: a default, or invalid_scope
 * when there is none). offline_access is kept only for a Confidential application in a flow that
 * can issue a refresh token (`refreshable`: it returns a code, or the device grant).
 */
export function grantedScopes(client: TrustedApplicationEntity, scope: string | undefined, refreshable: boolean): string[] {
  let requested = parseScope(scope).filter((s) => !IGNORED_SCOPES.has(s));
  if (!requested.length) requested = parseScope(client.scope);
  if (!requested.length) throw new InvalidScope('scope is required: the application has no Scope to grant by default');
  const outside = scopesOutside(requested, [...IDENTITY_SCOPES, ...parseScope(client.scope)]);
  if (outside.length) throw new InvalidScope(`scope not allowed for this application: ${outside.join(' ')}`);
  // offline_access needs a client that can keep a refresh token and a flow that issues one (OIDC Core §11).
  return requested.filter((s) => s !== 'offline_access' || (client.clientType === 'Confidential' && refreshable));
}

/** The granted scopes; openid is required whenever an id_token is asked for. */
export const checkScope: AuthorizeCheck = (ctx) => {
  const scopes = grantedScopes(ctx.client!, stringParam(ctx.params, 'scope'), ctx.responseTypes!.has('code'));
  if (ctx.responseTypes!.has('id_token') && !scopes.includes('openid')) {
    throw new InvalidRequest('the openid scope is required when an id_token is requested');
  }
  ctx.scopes = scopes;
};
