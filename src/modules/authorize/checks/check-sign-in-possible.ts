import { UnauthorizedClient } from '../../../common/oauth/errors';
import type { AuthorizeCheck } from '../authorize.types';

/**
 * An application that lets neither internal nor community users sign in through it (a machine
 * client) cannot use the authorization endpoint: unauthorized_client (RFC 6749 §4.1.2.1) at its
 * redirect_uri, instead of a sign-in page where every user would be refused.
 */
export const checkSignInPossible: AuthorizeCheck = (ctx) => {
  const client = ctx.client!;
  if (!client.impersonateAsInternalUserAllowed && !client.impersonateAsCommunityUserAllowed) {
    throw new UnauthorizedClient('the application lets no user sign in through it (ImpersonateAsInternalUserAllowed, ImpersonateAsCommunityUserAllowed)');
  }
};
