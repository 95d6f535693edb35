import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { parse as parseForm } from 'fast-querystring';
import type { FastifyServerFactory } from 'fastify';
import type { Logger as Pino } from 'pino';
import type { RawParams } from '@app/oauth-core';
import { isDatabaseUnavailable } from '../common/database-errors';
import { hostProblem, hostValueProblem } from '../common/http/host-header';
import { clientAddressOf, trustFunction, type ProxyTrust } from '../common/http/proxy-trust';
import { HSTS_HEADER, staticSecurityHeaders } from '../common/http/security-headers';
import { RETRY_AFTER_SECONDS, UNAVAILABLE_BODY } from '../common/http/service-unavailable';
import { safeUrl } from '../common/logging/redaction';
import { requestIdFor } from '../common/logging/request-id';
import { errorResponse } from '../common/oauth/error-response';
import { tooManyRequestsBody, type RateLimits } from '../common/rate-limit/rate-limit.hook';
import type { RateLimitedRequest } from '../common/rate-limit/rate-limit.rules';
import { tenantFor, type InstanceRecord, type Tenant } from '../common/tenant/tenant';

/** A request the lane serves: what its routes and the rate limits read. */
export interface LaneRequest extends RateLimitedRequest {
  id: string;
  tenant: Tenant;
  routeOptions: { url: string; config: Record<string, never> };
  /** The form of a POST route. */
  body?: RawParams;
  /** CORS response headers for this request's Origin, as a flat list. */
  cors?: string[];
}

/** One route of the lane, answered 200 with `headers` and the JSON its handler returns, or an error. */
export interface LaneRoute {
  method: 'GET' | 'POST';
  /** The path, as the Nest controller declares it. */
  url: string;
  /** A back-channel POST: an application/x-www-form-urlencoded body, and the rate limits. */
  form?: boolean;
  /** Called from browsers with an Origin of the instance's CorsOrigins (see modules/cors); public routes say so in `headers`. */
  corsByOrigin?: boolean;
  headers: Readonly<Record<string, string>>;
  handle(request: LaneRequest): string | Promise<string>;
}

export interface FastLaneOptions {
  instances: { cachedByHost(host: string): InstanceRecord | false | undefined };
  rateLimits: RateLimits;
  corsOrigins: { cachedAllows(instanceId: string, origin: string): boolean | undefined };
  metrics: { requestAnswered(route: string, method: string, status: number, seconds: number): void };
  /** The root logger, for the access log line (same shape as pino-http's). */
  log: Pino;
  trustProxy: ProxyTrust;
  bodyLimit: number;
}

const JSON_TYPE = 'application/json; charset=utf-8';
/** Token and introspection responses, and every error (RFC 6749 §5.1, §5.2). */
export const NO_STORE: Readonly<Record<string, string>> = { 'cache-control': 'no-store', pragma: 'no-cache' };
const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * The fast lane: a handful of hot machine-to-machine routes (discovery, JWKS, auto-discovery,
 * token, introspection) answered straight from node:http, in front of Fastify and Nest, by the
 * same services as their controllers. Every request that is not plainly one of them goes to
 * Fastify untouched: another method or path, a Host that fails the checks, an instance that is
 * not cached yet (Fastify's tenant hook loads it, the next request takes the lane), a body that
 * is not a form or is announced too large, and anything once the server is closing.
 *
 * It reproduces what the pipeline adds on these routes: the security headers (helmet's, recorded
 * once), HSTS on https, X-Request-Id, CORS (modules/cors), the instance's rate limits, the error mapping
 * (errorResponse), 503 while the database is unreachable, the metrics and the access log line.
 * Through Fastify and Nest a cached discovery string cost 70–77 µs of CPU, 32–34 µs through the lane
 * when it was introduced (README, Performance, "The fast lane").
 */
export class FastLane {
  private readonly routes = new Map<string, LaneRoute>();
  private readonly securityHeaders = staticSecurityHeaders();
  private readonly headerLists = new Map<LaneRoute, string[]>();
  private readonly errorHeaders = flatHeaders({ ...this.securityHeaders, ...NO_STORE, 'content-type': JSON_TYPE });
  private closing = false;

  private readonly trusted: (address: string, hop: number) => boolean;

  constructor(
    private readonly options: FastLaneOptions,
    routes: readonly LaneRoute[],
  ) {
    for (const route of routes) this.routes.set(`${route.method} ${route.url}`, route);
    this.trusted = trustFunction(options.trustProxy);
  }

  /** From now on every request goes to Fastify, which answers 503 while it closes. */
  close(): void {
    this.closing = true;
  }

  /** Serves `req` and returns true when it is the lane's; false leaves it, unread, to Fastify. */
  take(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.closing) return false;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const route = this.routes.get(`${req.method} ${query === -1 ? url : url.slice(0, query)}`);
    if (!route) return false;
    const headers = req.headers;
    if (hostProblem(req.rawHeaders, headers.host)) return false;
    if (route.form) {
      const type = headers['content-type'];
      if (!type || (type !== FORM_TYPE && !type.startsWith(`${FORM_TYPE};`))) return false;
      if (Number(headers['content-length']) > this.options.bodyLimit) return false;
    }
    // As Fastify: a proxy's X-Forwarded-Host and -Proto count when the socket's peer is a trusted proxy.
    const forwarded = this.trusted(req.socket.remoteAddress ?? '', 0);
    const host = (forwarded && lastEntry(headers['x-forwarded-host'])) || headers.host || '';
    if (host !== headers.host && hostValueProblem(host)) return false;
    const instance = this.options.instances.cachedByHost(hostname(host));
    if (!instance) return false;
    let cors: string[] | undefined;
    const origin = headers.origin;
    if (origin && route.corsByOrigin) {
      // Origins not cached yet: Fastify's CORS hook loads them, the next request takes the lane.
      const allowed = this.options.corsOrigins.cachedAllows(instance.id, origin);
      if (allowed === undefined) return false;
      cors = allowed ? ['access-control-allow-origin', origin, 'vary', 'Origin'] : ['vary', 'Origin'];
    }
    const protocol = (forwarded && lastEntry(headers['x-forwarded-proto'])) || ((req.socket as TLSSocket).encrypted ? 'https' : 'http');
    // Anything but http or https (in these letters) is Fastify's to refuse.
    if (protocol !== 'https' && protocol !== 'http') return false;
    const request: LaneRequest = {
      id: requestIdFor(req),
      tenant: tenantFor(instance, `${protocol}://${host}`),
      method: route.method,
      routeOptions: { url: route.url, config: {} },
      ip: clientAddressOf(req, this.trusted),
      headers,
      cors,
    };
    const started = performance.now();
    const https = protocol === 'https';
    if (!route.form) {
      // A GET answered from cache is answered here and now, without a promise.
      let answer: string | Promise<string>;
      try {
        answer = route.handle(request);
      } catch (e) {
        answer = Promise.reject(e);
      }
      if (typeof answer === 'string') this.respond(route, request, req, res, https, started, 200, answer);
      else void this.serve(route, request, req, res, https, started, answer);
      return true;
    }
    void this.serve(route, request, req, res, https, started);
    return true;
  }

  /** Reads a POST's form and answers it, or waits for a GET's answer; any failure becomes its error response. */
  private async serve(route: LaneRoute, request: LaneRequest, req: IncomingMessage, res: ServerResponse, https: boolean, started: number, answer?: Promise<string>): Promise<void> {
    let status = 200;
    let body: string;
    const extra: string[] = [];
    try {
      if (answer) {
        body = await answer;
      } else {
        const form = await readBody(req, this.options.bodyLimit);
        // The client went away before its body arrived: nobody to answer, nothing to log as an error.
        if (form === GONE) return void res.destroy();
        if (form === TOO_LARGE) {
          status = 413;
          body = JSON.stringify({ error: 'invalid_request', error_description: 'Request body is too large' });
        } else {
          request.body = parseForm(form) as RawParams;
          const refused = this.options.rateLimits.check(request);
          if (refused) {
            status = 429;
            extra.push('retry-after', String(refused.retryAfter));
            body = JSON.stringify(tooManyRequestsBody(refused.retryAfter));
          } else {
            body = await route.handle(request);
          }
        }
      }
    } catch (e) {
      if (isDatabaseUnavailable(e)) {
        this.logFor(request).warn(`database unavailable on ${route.method} ${route.url}: ${(e as Error).message}`);
        status = 503;
        extra.push('retry-after', String(RETRY_AFTER_SECONDS));
        body = JSON.stringify(UNAVAILABLE_BODY);
      } else {
        const response = errorResponse(e, `${route.method} ${route.url}`, this.logFor(request));
        status = response.status;
        body = JSON.stringify(response.body);
        if (response.wwwAuthenticate) extra.push('www-authenticate', response.wwwAuthenticate);
      }
    }
    this.respond(route, request, req, res, https, started, status, body!, extra);
  }

  private respond(route: LaneRoute, request: LaneRequest, req: IncomingMessage, res: ServerResponse, https: boolean, started: number, status: number, body: string, extra: string[] = []): void {
    const headers = status === 200 ? this.headersOf(route) : this.errorHeaders;
    if (https) extra.push('strict-transport-security', HSTS_HEADER);
    if (request.cors) extra.push(...request.cors);
    res.writeHead(status, [...headers, 'x-request-id', request.id, 'content-length', String(Buffer.byteLength(body)), ...extra]);
    res.end(body);
    this.answered(route, request, req, status, performance.now() - started);
  }

  /**
   * The lane's own log lines, with the request's reqId. Lane requests run outside nestjs-pino's
   * request context (see common/logging/request-context.ts), so they name their reqId themselves.
   */
  private logFor(request: LaneRequest): { warn(message: string): void; error(message: string, stack?: string): void } {
    const log = this.options.log;
    const fields = { reqId: request.id, context: 'FastLane' };
    return {
      warn: (message) => log.warn(fields, message),
      error: (message, stack) => log.error(stack ? { ...fields, err: Object.assign(new Error(message), { stack }) } : fields, message),
    };
  }

  /** A route's fixed response headers as the flat list writeHead takes: helmet's, the route's, the JSON type. */
  private headersOf(route: LaneRoute): string[] {
    let list = this.headerLists.get(route);
    if (!list) this.headerLists.set(route, (list = flatHeaders({ ...this.securityHeaders, ...route.headers, 'content-type': JSON_TYPE })));
    return list;
  }

  /** The metrics of the answered request, and the access log line, as pino-http writes it. */
  private answered(route: LaneRoute, request: LaneRequest, req: IncomingMessage, status: number, ms: number): void {
    this.options.metrics.requestAnswered(route.url, route.method, status, ms / 1000);
    const level = status >= 500 ? 'error' : 'info';
    const log = this.options.log;
    if (!log.isLevelEnabled(level)) return;
    const responseTime = Math.round(ms);
    const url = safeUrl(req.url ?? '');
    log[level](
      {
        reqId: request.id,
        req: { method: route.method, url, host: request.headers.host, ip: request.ip, userAgent: request.headers['user-agent'] },
        res: { statusCode: status },
        responseTime,
      },
      status >= 500 ? `${route.method} ${url.split('?')[0]} ${status}` : `${route.method} ${url.split('?')[0]} ${status} ${responseTime}ms`,
    );
  }
}

/**
 * Fastify's serverFactory: the HTTP server Fastify would make, with the lane in front of it.
 * `lane()` is read per request, since the lane is built after Nest (from its services).
 */
export function fastLaneServer(lane: () => FastLane | undefined): FastifyServerFactory {
  return (handler, fastifyOptions) => {
    const options = fastifyOptions as { http?: object; keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number; maxRequestsPerSocket?: number };
    // Node checks requestTimeout every connectionsCheckingInterval (30 s by default): at least twice per timeout.
    const checking = options.requestTimeout ? { connectionsCheckingInterval: Math.min(30_000, Math.max(100, options.requestTimeout / 2)) } : {};
    const server: Server = createServer({ ...checking, ...(options.http ?? {}) }, (req, res) => {
      if (!lane()?.take(req, res)) handler(req, res);
    });
    // As Fastify sets them on the server it makes itself (lib/server.js).
    server.keepAliveTimeout = options.keepAliveTimeout ?? server.keepAliveTimeout;
    server.requestTimeout = options.requestTimeout ?? server.requestTimeout;
    // Node enforces requestTimeout only while headersTimeout is not longer (as its constructor would insist).
    if (server.requestTimeout > 0) server.headersTimeout = Math.min(server.headersTimeout, server.requestTimeout);
    server.setTimeout(options.connectionTimeout ?? 0);
    if (options.maxRequestsPerSocket && options.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };
}

function flatHeaders(headers: Record<string, string>): string[] {
  return Object.entries(headers).flat();
}

const TOO_LARGE = Symbol('too large');
const GONE = Symbol('gone');

/** The body as text; TOO_LARGE over `limit` bytes (it is still read to the end); GONE when the request was cut off. */
function readBody(req: IncomingMessage, limit: number): Promise<string | typeof TOO_LARGE | typeof GONE> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? TOO_LARGE : Buffer.concat(chunks, size).toString()));
    // After 'end' these change nothing: a promise settles once.
    req.on('error', () => resolve(GONE));
    req.on('close', () => resolve(GONE));
  });
}

/** The last of a proxy header's comma-separated values (Fastify's rule with trustProxy). */
function lastEntry(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  const i = value.lastIndexOf(',');
  return i === -1 ? value.trim() : value.slice(i + 1).trim();
}

/** Fastify's request.hostname, lower-cased: the host without its port; an IPv6 literal keeps its brackets. */
function hostname(host: string): string {
  const name = host[0] === '[' ? host.slice(0, host.indexOf(']') + 1) : host.split(':', 1)[0];
  return name.toLowerCase();
}


