import { stringParam } from '@app/oauth-core';
import { InvalidRequest } from '../../../common/oauth/errors';
import type { AuthorizeCheck } from '../authorize.types';

/** nonce is required whenever the authorization response itself carries an id_token. */
export const checkNonce: AuthorizeCheck = (ctx) => {
  const nonce = stringParam(ctx.params, 'nonce');
  if (!nonce && ctx.responseTypes!.has('id_token')) throw new InvalidRequest('missing required parameter(s) nonce');
  if (nonce && nonce.length > 512) throw new InvalidRequest('nonce is too long');
  ctx.nonce = nonce;
};
