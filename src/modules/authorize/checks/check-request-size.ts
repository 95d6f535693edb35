import { InvalidRequest } from '../../../common/oauth/errors';
import type { AuthorizeCheck } from '../authorize.types';

/**
 * The longest token that may carry a request through the sign-in page (its URL's `request`). The
 * page's URL then stays far below Node's 16 KB limit on a request's headers, which would refuse it.
 */
export const MAX_PENDING_REQUEST_LENGTH = 8_000;

/** The request is small enough to go through the sign-in page; checked whether a sign-in is needed or not. */
export const checkRequestSize: AuthorizeCheck = (ctx, deps) => {
  if (deps.pendingRequestLength(ctx.params) > MAX_PENDING_REQUEST_LENGTH) throw new InvalidRequest('the authorization request is too large');
};
