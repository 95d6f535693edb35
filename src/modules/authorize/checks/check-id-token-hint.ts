import { stringParam } from '@app/oauth-core';
import { InvalidRequest } from '../../../common/oauth/errors';
import type { AuthorizeCheck } from '../authorize.types';

/**
 * id_token_hint is an ID token this instance issued to this client (OIDC Core §3.1.2.1); an expired
 * one still counts. Its sub is the only user the answer may be for (see requestedSubjects).
 */
export const checkIdTokenHint: AuthorizeCheck = async (ctx, deps) => {
  const token = stringParam(ctx.params, 'id_token_hint');
  if (!token) return;
  const hint = await deps.verifyIdTokenHint(ctx.tenant, token);
  if (!hint) throw new InvalidRequest('id_token_hint is not a valid ID token of this instance');
  if (!hint.audience.includes(ctx.client!.applicationUri)) throw new InvalidRequest('id_token_hint was not issued to this client');
  ctx.idTokenHint = hint;
};
