import type { FastifyReply } from 'fastify';
import type { ViewRenderer } from '../../common/http/views';
import { messages, type Lang } from '../session/i18n';
import type { RedirectTarget } from './authorize.types';

/**
 * Sends authorization response parameters (or an error) to the client's redirect_uri in the
 * response mode: appended to its query, in the fragment, or an auto-submitting form to the URI
 * unchanged (OAuth 2.0 Form Post Response Mode). `state` and `iss` (RFC 9207) go with every response.
 */
export function deliverAuthorizationResponse(reply: FastifyReply, views: ViewRenderer, target: RedirectTarget, params: Record<string, string | undefined>, lang: Lang): FastifyReply {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...params, state: target.state, iss: target.iss })) if (v !== undefined) all[k] = v;
  reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
  switch (target.responseMode) {
    case 'form_post':
      return views.render(reply, 'form-post', {
        lang,
        t: messages(lang),
        title: messages(lang).continueTitle,
        action: target.redirectUri,
        fields: Object.entries(all).map(([name, value]) => ({ name, value })),
      });
    case 'fragment':
      return reply.redirect(`${withoutFragment(target.redirectUri)}#${new URLSearchParams(all).toString()}`, 302);
    case 'query':
      return reply.redirect(appendQuery(target.redirectUri, all), 302);
  }
}

/**
 * The URI with the parameters appended to its query, which is kept exactly as registered (RFC 6749
 * §3.1.2): a parser would rewrite it (`flag` → `flag=`, `~` → `%7E`, `%20` → `+`).
 */
export function appendQuery(uri: string, params: Record<string, string>): string {
  const base = withoutFragment(uri);
  const query = new URLSearchParams(params).toString();
  if (!query) return base;
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return base + separator + query;
}

/** Registered URIs have no fragment (RFC 6749 §3.1.2); this keeps the response parameters out of one all the same. */
function withoutFragment(uri: string): string {
  const hash = uri.indexOf('#');
  return hash < 0 ? uri : uri.slice(0, hash);
}
