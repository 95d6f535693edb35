import { normalizeIP } from '@fastify/rate-limit';
import type { IncomingHttpHeaders } from 'node:http';
import { parseBasicAuthorization, stringParam, type RawParams } from '@app/oauth-core';
import type { InstanceSettings } from '../../modules/instances/instance.types';
import type { Tenant } from '../tenant/tenant';

/**
 * What the limits read of a request: a Fastify request has it, and so has the fast lane's
 * (src/fast-lane), which answers a few hot routes without Fastify.
 */
export interface RateLimitedRequest {
  tenant?: Tenant;
  method: string;
  routeOptions: { url?: string; config?: unknown };
  ip: string;
  headers: IncomingHttpHeaders;
  body?: unknown;
}

/** How a refused request is answered: RFC 6749-style JSON, or the HTML error page. */
export type RateLimitResponse = 'oauth' | 'page';

/** One limit: the routes it counts, the instance setting that caps it, and whose requests share a count. */
export interface RateLimitRule {
  name: string;
  /** `METHOD /path` as the route is declared. */
  routes: ReadonlySet<string>;
  limit: keyof InstanceSettings;
  /** Whose count this request adds to, given its clientIp; undefined when the rule does not apply (no username sent). */
  key(request: RateLimitedRequest, ip: string): string | undefined;
  /** The key is text a person typed (a username, maybe a password typed in its place): kept only hashed. */
  typedText?: true;
  response: RateLimitResponse;
}

/**
 * The person-facing routes that take a secret, send mail, or call an upstream provider (the
 * profile form takes a password and resends mail; a federated sign-in's start and callback cost a
 * request to the upstream each, whose token endpoint counts them against this instance's client).
 */
const SIGN_IN_FORMS = new Set([
  'POST /id/account/login',
  'POST /id/account/register',
  'POST /id/account/forgot',
  'POST /id/account/reset',
  'POST /id/account/profile',
  'POST /id/account/verify',
  'GET /id/account/device',
  'POST /id/account/device',
  'GET /id/account/external/:provider',
  'GET /id/account/external/callback',
]);
/** The back-channel endpoints where applications authenticate with a secret. */
const BACK_CHANNEL = new Set(['POST /id/connect/token', 'POST /id/connect/par', 'POST /id/connect/deviceauthorization', 'POST /id/connect/introspect', 'POST /id/connect/revocation']);

/** Every limit, checked in this order; each route and rule counts separately per instance (see rate-limit.hook.ts). */
export const RATE_LIMIT_RULES: readonly RateLimitRule[] = [
  { name: 'sign-in-per-ip', routes: SIGN_IN_FORMS, limit: 'SignInRateLimitPerIp', key: (_r, ip) => ip, response: 'page' },
  { name: 'sign-in-per-account', routes: new Set(['POST /id/account/login']), limit: 'SignInRateLimitPerAccount', key: account, typedText: true, response: 'page' },
  { name: 'back-channel-per-client', routes: BACK_CHANNEL, limit: 'TokenRateLimitPerClient', key: (r, ip) => `${clientId(r)} ${ip}`, response: 'oauth' },
  { name: 'back-channel-per-ip', routes: BACK_CHANNEL, limit: 'TokenRateLimitPerIp', key: (_r, ip) => ip, response: 'oauth' },
];

/** The client's address (behind TRUST_PROXY, X-Forwarded-For as Fastify resolves it); IPv6 by its /64. */
export function clientIp(request: RateLimitedRequest): string {
  return normalizeIP(request.ip);
}

/** The username of a sign-in form, normalized as logins compare (trimmed, case-insensitive). */
export function account(request: RateLimitedRequest): string | undefined {
  return stringParam(body(request), 'username')?.trim().toLowerCase() || undefined;
}

/** The client_id of client_secret_basic or of the form; '' when there is none or it cannot be read. */
export function clientId(request: RateLimitedRequest): string {
  try {
    const basic = parseBasicAuthorization(request.headers.authorization);
    if (basic) return basic.clientId;
  } catch {
    // A malformed header: the endpoint answers invalid_client; it still counts, as nobody's.
  }
  return stringParam(body(request), 'client_id') ?? '';
}

function body(request: RateLimitedRequest): RawParams {
  return request.body && typeof request.body === 'object' ? (request.body as RawParams) : {};
}
