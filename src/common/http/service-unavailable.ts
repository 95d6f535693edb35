import type { FastifyReply, FastifyRequest } from 'fastify';
import { messages, pickLang } from '../../modules/session/i18n';
import { isBrowserPage } from './browser-page';
import type { ViewRenderer } from './views';

/** What a client is told to wait before trying again while the database is unreachable. */
export const RETRY_AFTER_SECONDS = 5;

export const UNAVAILABLE_BODY = {
  error: 'temporarily_unavailable',
  error_description: 'the service is temporarily unavailable, try again shortly',
} as const;

/**
 * 503 while the database cannot be reached: RFC 6749 `temporarily_unavailable` JSON for
 * protocol and admin endpoints, the error page for browser pages; never cached, with Retry-After.
 */
export function sendServiceUnavailable(request: FastifyRequest, reply: FastifyReply, views: ViewRenderer | undefined, instanceName?: string): FastifyReply {
  reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
  if (views && isBrowserPage(request)) {
    const lang = pickLang(undefined, request.headers['accept-language']);
    const t = messages(lang);
    return views.render(reply, 'error', { lang, t, title: t.errorTitle, instanceName, message: t.serviceUnavailable, code: UNAVAILABLE_BODY.error }, { status: 503 });
  }
  return reply.code(503).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(UNAVAILABLE_BODY);
}
