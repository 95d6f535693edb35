import type { FastifyReply } from 'fastify';
import type { ViewRenderer } from '../../common/http/views';
import { messages, type Lang } from '../session/i18n';
import type { RedirectTarget } from './authorize.types';

/**
 * Sends authorization response parameters (or an error) to the client's redirect_uri in the
 * response mode: query, fragment, or an auto-submitting form (OAuth 2.0 Form Post Response Mode).
 * `state` and `iss` (RFC 9207) go with every response.
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
    case 'fragment': {
      const url = target.redirectUri.split('#')[0] + '#' + new URLSearchParams(all).toString();
      return reply.redirect(url, 302);
    }
    case 'query': {
      const url = new URL(target.redirectUri);
      for (const [k, v] of Object.entries(all)) url.searchParams.append(k, v);
      return reply.redirect(url.toString(), 302);
    }
  }
}
