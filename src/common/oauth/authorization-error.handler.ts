import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ViewRenderer } from '../http/views';
import { deliverAuthorizationResponse } from '../../modules/authorize/authorize.response';
import type { AuthorizationError } from '../../modules/authorize/authorization.error';
import { messages, pickLang } from '../../modules/session/i18n';

/**
 * RFC 6749 §4.1.2.1: redirect the error (with state and iss) only to a verified redirect_uri;
 * a bad client_id or redirect_uri is shown on the error page instead.
 */
export function handleAuthorizationError(error: AuthorizationError, request: FastifyRequest, reply: FastifyReply, views: ViewRenderer): void {
  const lang = pickLang(undefined, request.headers['accept-language']);
  const { oauth } = error;
  if (error.redirect && oauth.allowRedirect) {
    deliverAuthorizationResponse(reply, views, error.redirect, { error: oauth.error, error_description: oauth.description }, lang);
    return;
  }
  const t = messages(lang);
  views.render(reply, 'error', { lang, t, title: t.errorTitle, instanceName: error.instanceName, message: oauth.description ?? oauth.error, code: oauth.error }, { status: oauth.status });
}
