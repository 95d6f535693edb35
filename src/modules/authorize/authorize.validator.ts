import { AuthorizationError } from './authorization.error';
import type { AuthorizeCheckContext, AuthorizeDeps, ValidatedAuthorizeRequest } from './authorize.types';
import { checkClient } from './checks/check-client';
import { checkIdTokenHint } from './checks/check-id-token-hint';
import { checkNonce } from './checks/check-nonce';
import { checkParameters } from './checks/check-parameters';
import { checkPkce } from './checks/check-pkce';
import { checkPrompt } from './checks/check-prompt';
import { checkRedirectUri } from './checks/check-redirect-uri';
import { checkRequestSize } from './checks/check-request-size';
import { checkResponseType } from './checks/check-response-type';
import { checkScope } from './checks/check-scope';
import { checkSignInPossible } from './checks/check-sign-in-possible';
import { OAuthError } from '../../common/oauth/errors';
import type { Tenant } from '../../common/tenant/tenant';

/** In this order: errors before the redirect target is verified are shown, never redirected. */
const CHECKS = [checkClient, checkRedirectUri, checkParameters, checkRequestSize, checkResponseType, checkSignInPossible, checkScope, checkNonce, checkPkce, checkPrompt, checkIdTokenHint] as const;

export async function validateAuthorize(tenant: Tenant, params: Record<string, unknown>, deps: AuthorizeDeps): Promise<ValidatedAuthorizeRequest> {
  const ctx: AuthorizeCheckContext = { tenant, params };
  try {
    for (const check of CHECKS) await check(ctx, deps);
  } catch (e) {
    if (e instanceof OAuthError) throw new AuthorizationError(e, e.allowRedirect ? ctx.redirect : undefined, tenant.name);
    throw e;
  }
  return ctx as ValidatedAuthorizeRequest;
}
