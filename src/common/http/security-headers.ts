import helmet from '@fastify/helmet';
import helmetMiddleware from 'helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/** One year; sent over https only (RFC 6797 §7.2: a browser ignores it over http anyway). */
export const HSTS_HEADER = 'max-age=31536000';

/**
 * Security headers on every response (helmet), with three choices of our own:
 * - no global Content-Security-Policy: each HTML page sets its own with per-response nonces
 *   (ViewRenderer), and the form_post page must be able to post to the client's redirect_uri;
 * - no Cross-Origin-Opener-Policy: a sign-in opened in a popup (oidc-client-ts signinPopup)
 *   must keep its window.opener when it returns to the application;
 * - X-Frame-Options DENY (pages add frame-ancestors 'none'), and HSTS only on https requests
 *   (TRUST_PROXY: the proxy's X-Forwarded-Proto), never on plain http such as localhost.
 */
export async function securityHeaders(app: NestFastifyApplication): Promise<void> {
  await app.register(helmet as never, { global: true, ...HELMET_OPTIONS });
  app.getHttpAdapter().getInstance().addHook('onRequest', hstsOnHttps);
}

const HELMET_OPTIONS = {
  contentSecurityPolicy: false,
  crossOriginOpenerPolicy: false,
  xFrameOptions: { action: 'deny' },
  strictTransportSecurity: false,
  referrerPolicy: { policy: 'no-referrer' },
} as const;

/**
 * The headers helmet sets with these options, recorded once by running helmet against a stand-in
 * response: for the fast lane (src/fast-lane), which answers without Fastify's hooks.
 */
export function staticSecurityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string) => (headers[name] = String(value)),
    removeHeader: (name: string) => delete headers[name],
  };
  helmetMiddleware(HELMET_OPTIONS)({} as never, recorder as never, () => undefined);
  return headers;
}

function hstsOnHttps(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (request.protocol === 'https') reply.header('Strict-Transport-Security', HSTS_HEADER);
  done();
}
