import { duplicatedParameters, type RawParams } from '@app/oauth-core';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'login_required'
  | 'interaction_required'
  | 'consent_required'
  | 'account_selection_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'invalid_request_uri'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'invalid_request_object'
  | 'unsupported_token_type'
  | 'not_found';

/** An error of the OAuth 2.0 / OIDC protocols; OAuthExceptionFilter turns it into the RFC response. */
export abstract class OAuthError extends Error {
  abstract readonly error: OAuthErrorCode;
  readonly status: number = 400;
  /** False when the error must never be sent to a redirect_uri (unverified client or redirect_uri). */
  readonly allowRedirect: boolean = true;
  /** Set on 401s: the challenge to send in WWW-Authenticate. */
  wwwAuthenticate?: string;

  constructor(
    readonly description?: string,
    options?: { cause?: unknown },
  ) {
    super(description, options);
    this.name = new.target.name;
  }
}

export class InvalidRequest extends OAuthError { readonly error = 'invalid_request'; }
export class InvalidClient extends OAuthError { readonly error = 'invalid_client'; override readonly status = 401; override readonly allowRedirect = false; }
export class InvalidGrant extends OAuthError { readonly error = 'invalid_grant'; }
export class UnauthorizedClient extends OAuthError { readonly error = 'unauthorized_client'; }
export class UnsupportedGrantType extends OAuthError { readonly error = 'unsupported_grant_type'; }
export class InvalidScope extends OAuthError { readonly error = 'invalid_scope'; }
export class AccessDenied extends OAuthError { readonly error = 'access_denied'; }
export class UnsupportedResponseType extends OAuthError { readonly error = 'unsupported_response_type'; }
export class LoginRequired extends OAuthError { readonly error = 'login_required'; }
export class InteractionRequired extends OAuthError { readonly error = 'interaction_required'; }
export class ConsentRequired extends OAuthError { readonly error = 'consent_required'; }
export class RequestNotSupported extends OAuthError { readonly error = 'request_not_supported'; }
export class RequestUriNotSupported extends OAuthError { readonly error = 'request_uri_not_supported'; }
/** A request_uri that names no pushed request of this application (OIDC Core §3.1.2.6): unknown, expired or used. */
export class InvalidRequestUri extends OAuthError { readonly error = 'invalid_request_uri'; override readonly allowRedirect = false; }
export class InvalidRequestObject extends OAuthError { readonly error = 'invalid_request_object'; }
export class UnsupportedTokenType extends OAuthError { readonly error = 'unsupported_token_type'; }
/** The redirect_uri is not registered: the error is shown, never redirected (RFC 6749 §4.1.2.1). */
export class InvalidRedirectUri extends OAuthError { readonly error = 'invalid_request'; override readonly allowRedirect = false; }
/** RFC 6750 §3.1 */
export class InvalidToken extends OAuthError { readonly error = 'invalid_token'; override readonly status = 401; }
export class InsufficientScope extends OAuthError { readonly error = 'insufficient_scope'; override readonly status = 403; }
export class NotFound extends OAuthError { readonly error = 'not_found'; override readonly status = 404; override readonly allowRedirect = false; }
/** A URL the server routes, asked with a method it does not take (RFC 9110 §15.5.6): `allow` goes in the Allow header. */
export class MethodNotAllowed extends OAuthError {
  readonly error = 'invalid_request';
  override readonly status = 405;
  override readonly allowRedirect = false;

  constructor(
    method: string,
    readonly allow: readonly string[],
  ) {
    super(`${method} is not allowed at this URL, which takes ${allow.join(', ')}`);
  }
}
/** RFC 8628 §3.5: the device polls before the person has answered; slow_down when it polls faster than its interval. */
export class AuthorizationPending extends OAuthError { readonly error = 'authorization_pending'; }
export class SlowDown extends OAuthError { readonly error = 'slow_down'; }
export class ExpiredToken extends OAuthError { readonly error = 'expired_token'; }
export class TemporarilyUnavailable extends OAuthError { readonly error = 'temporarily_unavailable'; override readonly status = 503; }
export class ServerError extends OAuthError { readonly error = 'server_error'; override readonly status = 500; }

/** OAuth 2.0 forbids sending a parameter twice (RFC 6749 §3.1, §3.2): invalid_request naming them. */
export function refuseRepeatedParameters(params: RawParams): void {
  const repeated = duplicatedParameters(params);
  if (repeated.length) throw new InvalidRequest(`parameters must not be repeated: ${repeated.join(', ')}`);
}
