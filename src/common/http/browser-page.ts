import type { FastifyRequest } from 'fastify';

/**
 * Pages that a person's browser opens (sign-in, account pages, authorize, end session): their
 * errors are shown on the error page, not as JSON. The upstream provider's back-channel logout
 * under /id/account/external is a server-to-server call and keeps JSON.
 */
const BROWSER_PAGES = /^\/id\/(account\/(?!external\/backchannel-logout(\/|$))|connect\/(authorize|endsession)(\/|$))/;

export function isBrowserPage(request: FastifyRequest): boolean {
  return BROWSER_PAGES.test(request.url.split('?', 1)[0]);
}
