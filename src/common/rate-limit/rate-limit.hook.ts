import { sha256 } from '@app/oauth-core';
// The plugin's own in-memory store (an LRU of fixed windows). It is used directly, without the
// plugin's per-request wrapper, which awaits five promises per rule: a count here is synchronous.
import LocalStore from '@fastify/rate-limit/store/LocalStore';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ViewRenderer } from '../http/views';
import { messages, pickLang } from '../../modules/session/i18n';
import { ChangeFeed } from '../cache/change-feed.service';
import { clientIp, RATE_LIMIT_RULES, type RateLimitedRequest, type RateLimitResponse, type RateLimitRule } from './rate-limit.rules';
import { SharedCounts } from './shared-counts';

/** Keys kept per rule in each process; beyond it the least recently seen are forgotten. */
const KEYS_PER_RULE = 100_000;
/** A longer key is kept as its SHA-256, so that memory per key is bounded. */
const MAX_PLAIN_KEY = 200;

/** A refusal: how long to wait, and in which format to say so. */
export interface RateLimitRefusal {
  retryAfter: number;
  response: RateLimitResponse;
}

/**
 * Every rule of RATE_LIMIT_RULES with its counter, with each instance's limits from its settings;
 * `check` counts one request against each rule of its route.
 *
 * Each process counts in its own memory (@fastify/rate-limit's LocalStore), synchronously; with
 * `shared`, what the other processes (workers, nodes) counted is added, as they report it every
 * SHARE_INTERVAL_MS. Failed-password lockout, which must be exact, is in the database (modules/sign-in-policy).
 */
export class RateLimits {
  private readonly counters: readonly { rule: RateLimitRule; store: LocalStore }[];

  constructor(
    rules: readonly RateLimitRule[] = RATE_LIMIT_RULES,
    private readonly shared?: SharedCounts,
  ) {
    this.counters = rules.map((rule) => ({ rule, store: new LocalStore(false, false, KEYS_PER_RULE) }));
  }

  check(request: RateLimitedRequest): RateLimitRefusal | undefined {
    const tenant = request.tenant;
    if (!tenant) return undefined;
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    const windowMs = tenant.settings.RateLimitWindowSeconds * 1000;
    let retryAfter = 0;
    let response: RateLimitResponse | undefined;
    let ip: string | undefined; // normalized once, for the rules that count by address
    let now: number | undefined;
    for (const { rule, store } of this.counters) {
      if (!rule.routes.has(route)) continue;
      const whose = rule.key(request, (ip ??= clientIp(request)));
      if (whose === undefined) continue;
      // Per instance and per route. Hashed when long or typed by a person; else kept as is, which
      // spares the token endpoint two SHA-256 per request (bench/). A hash has no space, so the two never meet.
      const plain = `${tenant.id} ${route} ${whose}`;
      const key = rule.typedText || plain.length > MAX_PLAIN_KEY ? sha256(plain, 'base64url') : plain;
      const max = tenant.settings[rule.limit] as number;
      let count = { current: 0, ttl: 0 };
      store.incr(key, (_error, result) => (count = result), windowMs, max); // LocalStore answers at once
      let current = count.current;
      if (this.shared) {
        const sharedKey = `${rule.name} ${key}`;
        current += this.shared.others(sharedKey, (now ??= Date.now()));
        this.shared.counted(sharedKey, now + count.ttl);
      }
      if (current > max) {
        retryAfter = Math.max(retryAfter, Math.ceil(count.ttl / 1000), 1);
        response ??= rule.response;
      }
    }
    return response ? { retryAfter, response } : undefined;
  }
}

/** The 429 body of the back-channel endpoints. */
export function tooManyRequestsBody(retryAfter: number): { error: string; error_description: string } {
  // RFC 6749 has no "too many requests" error: temporarily_unavailable is its code for "retry
  // later" (§4.1.2.1), which clients already handle. slow_down belongs to device-code polling
  // (RFC 8628 §3.5) only, where a client knows to widen its polling interval.
  return { error: 'temporarily_unavailable', error_description: `too many requests; retry after ${retryAfter} seconds` };
}

/**
 * One preHandler hook applies every rule of RATE_LIMIT_RULES to its routes (RateLimits.check, which
 * the fast lane calls too) and answers 429 itself, in the endpoint's format. It runs in preHandler,
 * after the onRequest hook that resolves the tenant and after the body is parsed (for username and
 * client_id).
 */
export function registerRateLimits(app: NestFastifyApplication): RateLimits {
  const fastify = app.getHttpAdapter().getInstance();
  const views = app.get(ViewRenderer);
  const feed = app.get(ChangeFeed);
  const limits = new RateLimits(RATE_LIMIT_RULES, feed.sharing ? new SharedCounts(feed) : undefined);

  fastify.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const refusal = limits.check(request);
    if (!refusal) return;
    reply.header('Retry-After', String(refusal.retryAfter));
    if (refusal.response === 'page') return tooManyPage(views, request, reply);
    return reply.code(429).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(tooManyRequestsBody(refusal.retryAfter));
  });
  return limits;
}

function tooManyPage(views: ViewRenderer, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const lang = pickLang(undefined, request.headers['accept-language']);
  const t = messages(lang);
  return views.render(reply, 'error', { lang, t, title: t.tooManyRequestsTitle, instanceName: request.tenant?.name, message: t.tooManyRequests }, { status: 429 });
}
