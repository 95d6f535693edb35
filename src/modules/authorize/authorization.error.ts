import type { OAuthError } from '../../common/oauth/errors';
import type { RedirectTarget } from './authorize.types';

/**
 * An error of the authorization endpoint. With a verified redirect target (and an error that
 * allows it) the filter sends it back to the client; otherwise it shows the error page.
 */
export class AuthorizationError extends Error {
  constructor(
    readonly oauth: OAuthError,
    readonly redirect: RedirectTarget | undefined,
    readonly instanceName?: string,
  ) {
    super(oauth.description ?? oauth.error, { cause: oauth });
    this.name = 'AuthorizationError';
  }
}
