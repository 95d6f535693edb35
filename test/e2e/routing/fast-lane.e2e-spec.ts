import { request as httpRequest } from 'node:http';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { FastLane } from '../../../src/fast-lane/fast-lane';
import { auth, clientCredentialsSetup } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';

/**
 * The fast lane answers discovery, JWKS, auto-discovery, token and introspection in front of
 * Fastify. Each of its answers is compared with Fastify's for the same request (app.inject goes
 * to Fastify directly, past the lane), and the requests it must leave to Fastify are checked too.
 */
describe('fast lane', () => {
  let ts: TestServer;
  let setup: Awaited<ReturnType<typeof clientCredentialsSetup>>;
  let served: jest.SpyInstance;

  beforeAll(async () => {
    ts = await startTestServer({ TRUST_PROXY: 'true' });
    setup = await clientCredentialsSetup(ts);
    // The first request of an instance goes through Fastify, whose tenant hook caches it.
    await ts.http().get('/id/.well-known/openid-configuration').set('Host', setup.instance.host).expect(200);
  });
  afterAll(() => ts.close());
  beforeEach(() => {
    served = jest.spyOn(FastLane.prototype as unknown as { respond: () => void }, 'respond');
  });
  afterEach(() => served.mockRestore());

  const host = () => setup.instance.host;
  const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
  /** The same request through Fastify alone. */
  const viaFastify = (method: 'GET' | 'POST', url: string, options: { payload?: string; headers?: Record<string, string> } = {}) =>
    ts.server.app.inject({ method, url, payload: options.payload, headers: { host: host(), ...(options.payload !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...options.headers } });
  /** Headers both paths must agree on (Date, X-Request-Id and Content-Length differ by nature). */
  const comparable = (headers: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(headers)) if (!['date', 'x-request-id', 'content-length', 'connection', 'keep-alive'].includes(k.toLowerCase())) out[k.toLowerCase()] = v;
    return out;
  };

  it.each(['/id/.well-known/openid-configuration', '/id/.well-known/openid-configuration/jwks', '/sys/auto-discovery'])('GET %s: the same status, headers and body as through Fastify', async (url) => {
    const lane = await ts.http().get(url).set('Host', host());
    expect(served).toHaveBeenCalledTimes(1);
    const fastify = await viaFastify('GET', url);
    expect(lane.status).toBe(200);
    expect(lane.status).toBe(fastify.statusCode);
    expect(comparable(lane.headers)).toEqual(comparable(fastify.headers));
    expect(lane.text).toBe(fastify.body);
    expect(lane.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('POST token (client_credentials): the same response shape and claims as through Fastify', async () => {
    const body = form({ grant_type: 'client_credentials', client_id: setup.app.clientId, client_secret: setup.app.clientSecret, scope: 'read' });
    const lane = await ts.http().post('/id/connect/token').set('Host', host()).type('form').send(body);
    expect(served).toHaveBeenCalledTimes(1);
    const fastify = await viaFastify('POST', '/id/connect/token', { payload: body });
    expect(lane.status).toBe(200);
    expect(fastify.statusCode).toBe(200);
    expect(comparable(lane.headers)).toEqual(comparable(fastify.headers));
    const [a, b] = [lane.body, JSON.parse(fastify.body)];
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect({ ...a, access_token: undefined }).toEqual({ ...b, access_token: undefined });
    const [ca, cb] = [decodeJwt(a.access_token), decodeJwt(b.access_token)];
    const stable = (c: Record<string, unknown>) => ({ ...c, iat: undefined, nbf: undefined, exp: undefined, jti: undefined });
    expect(stable(ca)).toEqual(stable(cb));
    expect(decodeProtectedHeader(a.access_token)).toEqual(decodeProtectedHeader(b.access_token));
  });

  it('POST token errors: the same status, WWW-Authenticate and body as through Fastify', async () => {
    const cases = [
      form({ grant_type: 'client_credentials', client_id: setup.app.clientId, client_secret: 'wrong' }),
      form({ grant_type: 'password', client_id: setup.app.clientId, client_secret: setup.app.clientSecret }),
      form({ client_id: setup.app.clientId }),
      'grant_type=client_credentials&grant_type=client_credentials',
      form({ grant_type: 'client_credentials', client_id: setup.app.clientId, client_secret: setup.app.clientSecret, scope: 'admin' }),
    ];
    for (const body of cases) {
      const lane = await ts.http().post('/id/connect/token').set('Host', host()).type('form').send(body);
      const fastify = await viaFastify('POST', '/id/connect/token', { payload: body });
      expect([body, lane.status]).toEqual([body, fastify.statusCode]);
      expect(lane.status).toBeGreaterThanOrEqual(400);
      expect(lane.status).toBeLessThan(500);
      expect(comparable(lane.headers)).toEqual(comparable(fastify.headers));
      expect(lane.body).toEqual(JSON.parse(fastify.body));
    }
    expect(served).toHaveBeenCalledTimes(cases.length);
  });

  it('client_secret_basic works in the lane', async () => {
    const res = await ts.http().post('/id/connect/token').set('Host', host()).auth(setup.app.clientId, setup.app.clientSecret).type('form').send('grant_type=client_credentials');
    expect(res.status).toBe(200);
    expect(served).toHaveBeenCalledTimes(1);
  });

  it('introspection of a token in the lane', async () => {
    const token = await ts.http().post('/id/connect/token').set('Host', host()).type('form').send({ grant_type: 'client_credentials', client_id: setup.app.clientId, client_secret: setup.app.clientSecret });
    const body = form({ token: token.body.access_token, client_id: setup.app.clientId, client_secret: setup.app.clientSecret });
    const lane = await ts.http().post('/id/connect/introspect').set('Host', host()).type('form').send(body);
    expect(served).toHaveBeenCalledTimes(2);
    expect(lane.status).toBe(200);
    expect(lane.body).toMatchObject({ active: true, client_id: setup.app.clientId });
    const fastify = await viaFastify('POST', '/id/connect/introspect', { payload: body });
    expect(lane.body).toEqual(JSON.parse(fastify.body));
  });

  it('leaves to Fastify: other methods, other content types, unknown hosts, several Host headers, an announced oversized body', async () => {
    expect((await ts.http().head('/id/.well-known/openid-configuration').set('Host', host())).status).toBe(200);
    const json = await ts.http().post('/id/connect/token').set('Host', host()).send({ grant_type: 'client_credentials' });
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
    expect((await ts.http().get('/id/.well-known/openid-configuration').set('Host', 'nobody.test.local')).status).toBe(404);
    const big = await ts.http().post('/id/connect/token').set('Host', host()).type('form').send(`grant_type=client_credentials&pad=${'a'.repeat(70 * 1024)}`);
    expect(big.status).toBe(413);
    expect(served).not.toHaveBeenCalled();
  });

  it('behind a trusted proxy: the issuer is built from X-Forwarded-Host and -Proto, and https gets HSTS', async () => {
    const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', 'internal:8080').set('X-Forwarded-Host', host()).set('X-Forwarded-Proto', 'https');
    expect(served).toHaveBeenCalledTimes(1);
    expect(res.status).toBe(200);
    expect(res.body.issuer).toBe(`https://${host()}/id`);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    const plain = await ts.http().get('/id/.well-known/openid-configuration').set('Host', host());
    expect(plain.body.issuer).toMatch(/^http:\/\//);
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });

  it('echoes a sane X-Request-Id', async () => {
    const res = await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', host()).set('X-Request-Id', 'edge-1.2:3');
    expect(res.headers['x-request-id']).toBe('edge-1.2:3');
    expect(served).toHaveBeenCalledTimes(1);
  });

  it('applies the instance rate limits, answering 429 with Retry-After as Fastify does', async () => {
    const limited = await clientCredentialsSetup(ts);
    const patch = await ts.http().patch(`/admin/v1/instances/${limited.instance.name}`).set(auth).send({ TokenRateLimitPerClient: 2 });
    expect(patch.status).toBe(200);
    const body = form({ grant_type: 'client_credentials', client_id: limited.app.clientId, client_secret: limited.app.clientSecret });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await ts.http().post('/id/connect/token').set('Host', limited.instance.host).type('form').send(body);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(last!.body.error).toBe('temporarily_unavailable');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.headers['cache-control']).toBe('no-store');
    // The first request of the new instance went through Fastify; the others took the lane and shared its count.
    expect(served).toHaveBeenCalledTimes(3);
  });

  it('a change to one instance leaves the others cached, and a host just added is served at once', async () => {
    const other = await clientCredentialsSetup(ts);
    const newHost = `added-${other.instance.host}`;
    expect((await ts.http().get('/sys/auto-discovery').set('Host', newHost)).status).toBe(404);
    await ts.http().get('/sys/auto-discovery').set('Host', host()).expect(200);
    served.mockClear();
    await ts.http().patch(`/admin/v1/instances/${other.instance.name}`).set(auth).send({ Hosts: [other.instance.host, newHost] }).expect(200);
    // The untouched instance is still cached: the lane serves it.
    await ts.http().get('/sys/auto-discovery').set('Host', host()).expect(200);
    expect(served).toHaveBeenCalledTimes(1);
    // The host cached as unknown a moment ago belongs to an instance now.
    const added = await ts.http().get('/sys/auto-discovery').set('Host', newHost);
    expect(added.status).toBe(200);
    expect(added.body.WebSites[0].Url).toBe(`http://${newHost}/id`);
  });

  it('a chunked form body over the limit gets 413 from the lane', async () => {
    const port = await ts.listen();
    await ts.http().get('/sys/auto-discovery').set('Host', host()).expect(200);
    served.mockClear();
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/id/connect/token', agent: false, headers: { host: host(), 'content-type': 'application/x-www-form-urlencoded', connection: 'close' } }, (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode!, body }));
      });
      req.on('error', reject);
      // No Content-Length: node sends the body chunked.
      req.write('grant_type=client_credentials&pad=');
      req.end('a'.repeat(70 * 1024));
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: 'invalid_request', error_description: 'Request body is too large' });
    expect(served).toHaveBeenCalledTimes(1);
  });
});

describe('fast lane switched off (FAST_LANE=false)', () => {
  it('every request goes through Fastify', async () => {
    const ts = await startTestServer({ FAST_LANE: 'false' });
    const served = jest.spyOn(FastLane.prototype as unknown as { serve: () => Promise<void> }, 'serve');
    try {
      const setup = await clientCredentialsSetup(ts);
      for (let i = 0; i < 2; i++) {
        const res = await ts.http().post('/id/connect/token').set('Host', setup.instance.host).type('form').send({ grant_type: 'client_credentials', client_id: setup.app.clientId, client_secret: setup.app.clientSecret });
        expect(res.status).toBe(200);
      }
      expect(served).not.toHaveBeenCalled();
    } finally {
      served.mockRestore();
      await ts.close();
    }
  });
});
