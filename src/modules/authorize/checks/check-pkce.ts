import { isValidCodeChallenge, stringParam } from '@app/oauth-core';
import { InvalidRequest } from '../../../common/oauth/errors';
import type { AuthorizeCheck } from '../authorize.types';

/** PKCE (RFC 7636): S256 only, a well-formed challenge, and required of Public applications that get a code. */
export const checkPkce: AuthorizeCheck = (ctx) => {
  const challenge = stringParam(ctx.params, 'code_challenge');
  const method = stringParam(ctx.params, 'code_challenge_method');
  if (!challenge) {
    if (method) throw new InvalidRequest('code_challenge_method without code_challenge');
    if (ctx.client!.clientType === 'Public' && ctx.responseTypes!.has('code')) {
      throw new InvalidRequest('PKCE is required: send code_challenge with code_challenge_method=S256');
    }
    return;
  }
  if (method !== 'S256') throw new InvalidRequest('code_challenge_method must be S256');
  if (!isValidCodeChallenge(challenge)) throw new InvalidRequest('code_challenge must be 43 base64url characters (S256)');
  ctx.codeChallenge = challenge;
};
