import { createHash } from 'node:crypto';
import rateLimit, { type CreateRateLimitOptions } from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ViewRenderer } from '../http/views';
import { messages, pickLang } from '../../modules/session/i18n';
import { RATE_LIMIT_RULES, type RateLimitedRequest, type RateLimitResponse, type RateLimitRule } from './rate-limit.rules';

/** Keys kept per rule on each node; beyond it the least recently seen are forgotten. */
const KEYS_PER_RULE = 100_000;

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/** A refusal: how long to wait, and in which format to say so. */
export interface RateLimitRefusal {
  retryAfter: number;
  response: RateLimitResponse;
}

/** Every rule of RATE_LIMIT_RULES with its counter; `check` counts one request against each rule of its route. */
export class RateLimits {
  constructor(private readonly limiters: readonly { rule: RateLimitRule; count: Limiter }[]) {}

  async check(request: RateLimitedRequest): Promise<RateLimitRefusal | undefined> {
    if (!request.tenant) return undefined;
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    let retryAfter = 0;
    let response: RateLimitResponse | undefined;
    for (const { rule, count } of this.limiters) {
      if (!rule.routes.has(route) || rule.key(request) === undefined) continue;
      const result = await count(request as unknown as FastifyRequest);
      if (!result.isAllowed && result.isExceeded) {
        retryAfter = Math.max(retryAfter, result.ttlInSeconds, 1);
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
 * Rate limits from @fastify/rate-limit, with each instance's limits from its settings. The plugin
 * only counts here (createRateLimit); one preHandler hook applies every rule of RATE_LIMIT_RULES
 * to its routes (RateLimits.check, which the fast lane calls too) and answers 429 itself, in the endpoint's format. It runs in preHandler, after the
 * onRequest hook that resolves the tenant and after the body is parsed (for username and client_id).
 *
 * The counts live in each node's memory (the plugin's LRU store), so with N nodes behind a
 * round-robin proxy a client gets up to N times the limit. Failed-password lockout, which
 * matters more, is in the database and shared (modules/sign-in-policy).
 */
export async function registerRateLimits(app: NestFastifyApplication): Promise<RateLimits> {
  await app.register(rateLimit as never, { global: false });
  const fastify = app.getHttpAdapter().getInstance();
  const views = app.get(ViewRenderer);
  const limits = new RateLimits(RATE_LIMIT_RULES.map((rule) => ({ rule, count: limiterFor(fastify, rule) })));

  fastify.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const refusal = await limits.check(request);
    if (!refusal) return;
    reply.header('Retry-After', String(refusal.retryAfter));
    if (refusal.response === 'page') return tooManyPage(views, request, reply);
    return reply.code(429).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(tooManyRequestsBody(refusal.retryAfter));
  });
  return limits;
}

function limiterFor(fastify: FastifyInstance, rule: RateLimitRule): Limiter {
  const options: CreateRateLimitOptions & { cache: number } = {
    // Per instance and per route; hashed, so that memory per key is bounded and typed text is not kept.
    keyGenerator: (request: RateLimitedRequest) => {
      const key = `${request.tenant!.id} ${request.method} ${request.routeOptions.url} ${rule.key(request)}`;
      return createHash('sha256').update(key).digest('base64url');
    },
    max: (request: RateLimitedRequest) => request.tenant!.settings[rule.limit] as number,
    timeWindow: (request: RateLimitedRequest) => request.tenant!.settings.RateLimitWindowSeconds * 1000,
    // Not in the plugin's types, but passed on to the store it creates for this limiter.
    cache: KEYS_PER_RULE,
  };
  return fastify.createRateLimit(options);
}

function tooManyPage(views: ViewRenderer, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const lang = pickLang(undefined, request.headers['accept-language']);
  const t = messages(lang);
  return views.render(reply, 'error', { lang, t, title: t.tooManyRequestsTitle, instanceName: request.tenant?.name, message: t.tooManyRequests }, { status: 429 });
}
