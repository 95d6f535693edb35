import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CorsOrigins } from './cors-origins';

/** Public metadata: any web page may read it (OIDC Discovery, JWKS, auto-discovery). */
export const PUBLIC_CORS_PATHS: ReadonlySet<string> = new Set(['/id/.well-known/openid-configuration', '/id/.well-known/openid-configuration/jwks', '/.well-known/oauth-authorization-server/id', '/sys/auto-discovery']);
/** Called by single-page applications with their tokens: only from the instance's CorsOrigins. */
export const APPLICATION_CORS_PATHS: ReadonlySet<string> = new Set(['/id/connect/token', '/id/connect/par', '/id/connect/userinfo', '/id/connect/revocation']);

const PREFLIGHT_MAX_AGE = '600';

/**
 * CORS for the endpoints a browser application calls (an onRequest hook after the tenant's). The
 * public metadata is `Access-Control-Allow-Origin: *`; token, userinfo and revocation echo an
 * Origin of CorsOrigins, and say nothing to another (the browser then keeps the response from the
 * page). A preflight (OPTIONS with Access-Control-Request-Method) is answered here, 204.
 * No credentials (cookies) are ever allowed cross-origin: these endpoints take none.
 */
export function registerCors(app: NestFastifyApplication): void {
  const origins = app.get(CorsOrigins);
  app.getHttpAdapter().getInstance().addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?', 1)[0];
    const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (PUBLIC_CORS_PATHS.has(path)) {
      reply.header('Access-Control-Allow-Origin', '*');
      if (preflight) return reply.code(204).header('Access-Control-Allow-Methods', 'GET').header('Access-Control-Max-Age', PREFLIGHT_MAX_AGE).send();
      return;
    }
    const origin = request.headers.origin;
    if (!origin || !request.tenant || !APPLICATION_CORS_PATHS.has(path)) return;
    reply.header('Vary', 'Origin');
    const allowed = await origins.allows(request.tenant.id, origin);
    if (allowed) reply.header('Access-Control-Allow-Origin', origin);
    if (!preflight) return;
    if (allowed) {
      reply.header('Access-Control-Allow-Methods', 'GET, POST').header('Access-Control-Allow-Headers', 'Authorization, Content-Type').header('Access-Control-Max-Age', PREFLIGHT_MAX_AGE);
    }
    return reply.code(204).send();
  });
}
