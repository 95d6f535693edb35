import { stringParam } from '@app/oauth-core';
import { InvalidRequest } from '../../../common/oauth/errors';
import type { AuthorizeCheck } from '../authorize.types';

/**
 * nonce is required whenever the authorization response itself carries an id_token, and in every
 * OpenID Connect hybrid flow: with `code token` the ID token comes from the token endpoint, but the
 * hybrid flow's ID tokens must carry a nonce (OIDC Core §3.3.2.11; Duende requires it too).
 */
export const checkNonce: AuthorizeCheck = (ctx) => {
  const nonce = stringParam(ctx.params, 'nonce');
  const types = ctx.responseTypes!;
  const hybrid = types.has('code') && types.size > 1 && ctx.scopes!.includes('openid');
  if (!nonce && (types.has('id_token') || hybrid)) throw new InvalidRequest('missing required parameter(s) nonce');
  if (nonce && nonce.length > 512) throw new InvalidRequest('nonce is too long');
  ctx.nonce = nonce;
};
