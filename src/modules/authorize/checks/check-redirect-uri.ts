import { isRegisteredUri, parseUriList, stringParam } from '@app/oauth-core';
import { InvalidRedirectUri } from '../../../common/oauth/errors';
import type { AuthorizeCheck, ResponseMode } from '../authorize.types';

const MODES: readonly ResponseMode[] = ['query', 'fragment', 'form_post'];

/**
 * redirect_uri equals one of the application's ImpersonateLoginUrl entries byte for byte.
 * From here on errors go back to it, in the response mode the request asked for.
 */
export const checkRedirectUri: AuthorizeCheck = (ctx) => {
  const redirectUri = stringParam(ctx.params, 'redirect_uri');
  if (!redirectUri) throw new InvalidRedirectUri('missing required parameter(s) redirect_uri');
  if (!isRegisteredUri(redirectUri, parseUriList(ctx.client!.impersonateLoginUrl))) {
    throw new InvalidRedirectUri('redirect_uri is not registered for this application');
  }
  const requestedMode = stringParam(ctx.params, 'response_mode');
  // The parts as checkResponseType reads them, so that 'code ' defaults to query as 'code' does.
  const parts = (stringParam(ctx.params, 'response_type') ?? '').split(' ').filter(Boolean);
  const defaultMode: ResponseMode = parts.every((p) => p === 'code') ? 'query' : 'fragment';
  ctx.redirect = {
    redirectUri,
    responseMode: requestedMode && (MODES as readonly string[]).includes(requestedMode) ? (requestedMode as ResponseMode) : defaultMode,
    state: stringParam(ctx.params, 'state'),
    iss: ctx.tenant.issuer,
  };
};
