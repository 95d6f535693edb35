import { parseScope, scopesOutside, stringParam } from '@app/oauth-core';
import { InvalidRequest, InvalidScope } from '../../../common/oauth/errors';
import { IDENTITY_SCOPES, IGNORED_SCOPES } from '../../tokens/user-claims';
import type { AuthorizeCheck } from '../authorize.types';

/**
 * scope holds only identity scopes (openid, profile, email, offline_access, granted automatically)
 * and the application's own Scope; openid is required whenever an id_token is asked for. Without
 * any scope, the application's Scope is the default, as for client_credentials (RFC 6749 §3.3:
 * a default, or invalid_scope when there is none).
 */
export const checkScope: AuthorizeCheck = (ctx) => {
  let requested = parseScope(stringParam(ctx.params, 'scope')).filter((s) => !IGNORED_SCOPES.has(s));
  if (!requested.length) requested = parseScope(ctx.client!.scope);
  if (!requested.length) throw new InvalidScope('scope is required: the application has no Scope to grant by default');
  const allowed = [...IDENTITY_SCOPES, ...parseScope(ctx.client!.scope)];
  const outside = scopesOutside(requested, allowed);
  if (outside.length) throw new InvalidScope(`scope not allowed for this application: ${outside.join(' ')}`);
  if (ctx.responseTypes!.has('id_token') && !requested.includes('openid')) {
    throw new InvalidRequest('the openid scope is required when an id_token is requested');
  }
  // offline_access needs a client that can keep a refresh token and a flow that issues one (OIDC Core §11).
  ctx.scopes = requested.filter((s) => s !== 'offline_access' || (ctx.client!.clientType === 'Confidential' && ctx.responseTypes!.has('code')));
};
