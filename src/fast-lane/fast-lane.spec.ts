import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { InvalidClient } from '../common/oauth/errors';
import type { RateLimits } from '../common/rate-limit/rate-limit.hook';
import type { InstanceRecord } from '../common/tenant/tenant';
import { DEFAULT_INSTANCE_SETTINGS } from '../modules/instances/instance.types';
import { FastLane, type LaneRoute } from './fast-lane';

const instance: InstanceRecord = {
  id: 'i1',
  name: 'one',
  type: 'Instance',
  database: 'DB',
  hosts: ['one.test'],
  webSites: [],
  erpNetIdSignInEnabled: false,
  externalProviders: [],
  settings: DEFAULT_INSTANCE_SETTINGS,
};

describe('FastLane', () => {
  let server: Server;
  let port: number;
  let lines: Record<string, unknown>[];
  let answered: [string, string, number][];
  let behaviour: () => string | Promise<string>;
  let refuse: boolean;
  let lane: FastLane;
  let fallbacks: number;

  beforeEach(async () => {
    lines = [];
    answered = [];
    fallbacks = 0;
    refuse = false;
    behaviour = () => '{"ok":true}';
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    const routes: LaneRoute[] = [
      { method: 'GET', url: '/doc', headers: { 'cache-control': 'public, max-age=300' }, handle: () => behaviour() },
      { method: 'POST', url: '/form', form: true, corsByOrigin: true, headers: { 'cache-control': 'no-store' }, handle: (r) => JSON.stringify(r.body) },
    ];
    const rateLimits = { check: () => (refuse ? { retryAfter: 7, response: 'oauth' } : undefined) } as unknown as RateLimits;
    lane = new FastLane(
      {
        instances: { cachedByHost: (h) => (h === 'one.test' ? instance : h === 'none.test' ? false : undefined) },
        rateLimits,
        corsOrigins: { cachedAllows: (id, origin) => (id !== 'i1' ? undefined : origin === 'https://spa.test' ? true : origin === 'https://evil.test' ? false : undefined) },
        metrics: { requestAnswered: (route, method, status) => answered.push([route, method, status]) },
        log: pino({ level: 'info' }, sink),
        trustProxy: false,
        bodyLimit: 1024,
      },
      routes,
    );
    server = createServer((req, res) => {
      if (lane.take(req, res)) return;
      fallbacks++;
      res.writeHead(299).end('fallback');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => new Promise((r) => server.close(r)));

  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', method, path, agent: false, headers: { host: 'one.test', ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('answers its routes with the security headers, the request id, the metrics and one access log line', async () => {
    const res = await call('GET', '/doc?x=1', { 'x-request-id': 'abc-1' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"ok":true}');
    expect(res.headers).toMatchObject({ 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=300', 'x-request-id': 'abc-1', 'content-type': 'application/json; charset=utf-8' });
    expect(answered).toEqual([['/doc', 'GET', 200]]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, reqId: 'abc-1', req: { method: 'GET', url: '/doc?x=[REDACTED]', host: 'one.test' }, res: { statusCode: 200 }, msg: expect.stringMatching(/^GET \/doc 200 \d+ms$/) });
  });

  it('leaves everything else to the next handler', async () => {
    expect((await call('GET', '/other')).status).toBe(299);
    expect((await call('POST', '/doc')).status).toBe(299);
    expect((await call('GET', '/doc', { host: 'none.test' })).status).toBe(299);
    expect((await call('GET', '/doc', { host: 'cold.test' })).status).toBe(299);
    expect((await call('GET', '/doc', { host: 'one.test:99999' })).status).toBe(299);
    expect((await call('POST', '/form', { 'content-type': 'application/json' }, '{}')).status).toBe(299);
    expect((await call('POST', '/form', { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '2000' }, 'a'.repeat(2000))).status).toBe(299);
    lane.close();
    expect((await call('GET', '/doc')).status).toBe(299);
    expect(fallbacks).toBe(8);
  });

  it("CORS: echoes an Origin the instance admits, not another; an Origin whose answer is not cached goes to Fastify", async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const admitted = await call('POST', '/form', { ...form, origin: 'https://spa.test' }, 'a=1');
    expect(admitted.headers).toMatchObject({ 'access-control-allow-origin': 'https://spa.test', vary: 'Origin' });
    const refused = await call('POST', '/form', { ...form, origin: 'https://evil.test' }, 'a=1');
    expect([refused.status, refused.headers['access-control-allow-origin'], refused.headers.vary]).toEqual([200, undefined, 'Origin']);
    expect((await call('POST', '/form', { ...form, origin: 'https://new.test' }, 'a=1')).status).toBe(299);
    expect((await call('POST', '/form', form, 'a=1')).headers).not.toHaveProperty('vary');
  });

  it('parses the form; refuses with 429 and Retry-After when a rate limit says so', async () => {
    const ok = await call('POST', '/form', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1&b=%20x');
    expect(JSON.parse(ok.body)).toEqual({ a: '1', b: ' x' });
    refuse = true;
    const limited = await call('POST', '/form', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, 'a=1');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
    expect(limited.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(limited.body)).toEqual({ error: 'temporarily_unavailable', error_description: 'too many requests; retry after 7 seconds' });
  });

  it('a client that goes away before its body arrives gets no answer and leaves no error behind', async () => {
    await new Promise<void>((resolve) => {
      const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/form', agent: false, headers: { host: 'one.test', 'content-type': 'application/x-www-form-urlencoded', 'content-length': '100' } });
      req.on('error', () => resolve());
      req.write('a=1&b=');
      setTimeout(() => req.destroy(), 50);
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toEqual([]);
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    // The lane still answers the next one.
    expect((await call('POST', '/form', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1')).status).toBe(200);
  });

  it('maps an OAuth error to its RFC response, with WWW-Authenticate', async () => {
    behaviour = () => {
      throw Object.assign(new InvalidClient('client authentication failed'), { wwwAuthenticate: 'Basic realm="x"' });
    };
    const res = await call('GET', '/doc');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="x"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.body)).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });

  it('answers 503 with Retry-After while the database is unreachable', async () => {
    behaviour = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    const res = await call('GET', '/doc');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(JSON.parse(res.body)).toEqual({ error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable, try again shortly' });
  });

  it('answers an unexpected error with a bare server_error, logged at error level without reaching the client', async () => {
    behaviour = () => {
      throw new Error('secret internals');
    };
    const res = await call('GET', '/doc');
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ error: 'server_error', error_description: 'an unexpected error occurred' });
    expect(res.body).not.toContain('secret internals');
    expect(lines.at(-1)).toMatchObject({ level: 50, res: { statusCode: 500 } });
    // The error's own line, with its stack and the request's id, before the access log line.
    const reqId = res.headers['x-request-id'];
    expect(lines.at(-2)).toMatchObject({ level: 50, reqId, context: 'FastLane', msg: 'unhandled error on GET /doc', err: { stack: expect.stringContaining('secret internals') } });
  });

  it('logs the database outage as a warning with the request id', async () => {
    behaviour = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    const res = await call('GET', '/doc');
    expect(lines.find((l) => l.level === 40)).toMatchObject({ reqId: res.headers['x-request-id'], context: 'FastLane', msg: expect.stringContaining('database unavailable on GET /doc') });
  });
});
