import { auth, clientCredentialsSetup, createInstance, createUser } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { authorizeUrl, random, readResponse, tokenRequest } from '../sign-in/authorize.fixture';
import { CALLBACK, signInSetup } from '../sign-in/sign-in.fixture';
import { codeFlowSecrets } from './observability.fixture';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, one sample per line (comments skipped). */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
      return { name: m[1], labels, value: Number(m[3]) };
    });
}

/** GET /metrics behind the admin key: request counts and latencies by route pattern, tokens by grant, sign-in failures. */
describe('observability: metrics', () => {
  let ts: TestServer;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
  });
  afterAll(() => ts.close());

  async function scrape(): Promise<Sample[]> {
    const res = await ts.http().get('/metrics').set(auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    return parse(res.text);
  }

  const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

  it('401 without the admin key or with a wrong one, on any host', async () => {
    const instance = await createInstance(ts);
    for (const host of [undefined, instance.host, 'unknown-host.test.local']) {
      let req = ts.http().get('/metrics');
      if (host) req = req.set('Host', host);
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.text).not.toContain('http_requests_total');
    }
    expect((await ts.http().get('/metrics').set('Authorization', 'Bearer not-the-admin-key-0000')).status).toBe(401);
    expect((await ts.http().get('/metrics').set(auth).set('Host', instance.host)).status).toBe(200);
  });

  it('counts requests by route pattern, method and status, with a latency histogram, never the raw URL', async () => {
    const { instance, app } = await clientCredentialsSetup(ts);
    const ok = await tokenRequest(ts, instance, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret });
    expect(ok.status).toBe(200);
    const bad = await tokenRequest(ts, instance, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: 'wrong' });
    expect(bad.status).toBe(401);
    expect((await ts.http().get('/no/such/path').set('Host', instance.host)).status).toBe(404);

    const samples = await scrape();
    expect(value(samples, 'http_requests_total', { route: '/id/connect/token', method: 'POST', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'http_requests_total', { route: '/id/connect/token', method: 'POST', status: '401' })).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'http_requests_total', { route: '/admin/v1/instances/:name/users', method: 'POST', status: '201' })).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'http_requests_total', { route: 'unmatched', method: 'GET', status: '404' })).toBeGreaterThanOrEqual(1);
    // The instance name, the path and the client never become label values.
    const labelValues = samples.flatMap((s) => Object.values(s.labels));
    expect(labelValues.some((v) => v.includes(instance.name) && v.startsWith('/'))).toBe(false);
    expect(labelValues.some((v) => v.includes('/no/such/path'))).toBe(false);

    const count = value(samples, 'http_request_duration_seconds_count', { route: '/id/connect/token', method: 'POST' });
    expect(count).toBeGreaterThanOrEqual(2);
    const infBucket = value(samples, 'http_request_duration_seconds_bucket', { route: '/id/connect/token', method: 'POST', le: '+Inf' });
    expect(infBucket).toBe(count);
    expect(value(samples, 'http_request_duration_seconds_sum', { route: '/id/connect/token', method: 'POST' })).toBeGreaterThan(0);
    expect(samples.filter((s) => s.name === 'http_request_duration_seconds_bucket' && s.labels.route === '/id/connect/token' && s.labels.method === 'POST').map((s) => s.labels.le)).toEqual(
      expect.arrayContaining(['0.005', '0.1', '1', '10', '+Inf']),
    );
    // Default process metrics.
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_heap_size_total_bytes')).toBe(true);
  });

  it('counts tokens issued by grant type and instance, and refused sign-ins by instance and reason', async () => {
    const cc = await clientCredentialsSetup(ts);
    for (let i = 0; i < 2; i++) expect((await tokenRequest(ts, cc.instance, { grant_type: 'client_credentials', client_id: cc.app.clientId, client_secret: cc.app.clientSecret })).status).toBe(200);
    const setup = await signInSetup(ts);
    // A wrong password, then the code flow and a refresh.
    const flow = await codeFlowSecrets(ts, setup.instance, setup.app, 'john.doe');
    // Implicit and hybrid, answered from the session.
    for (const responseType of ['id_token token', 'code id_token']) {
      const res = await flow.browser.get(authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: responseType, scope: 'openid', nonce: random(), state: random() }));
      expect(readResponse(res).params.id_token).toBeDefined();
    }

    const samples = await scrape();
    expect(value(samples, 'tokens_issued_total', { grant_type: 'client_credentials', instance: cc.instance.name })).toBe(2);
    expect(value(samples, 'tokens_issued_total', { grant_type: 'authorization_code', instance: setup.instance.name })).toBe(1);
    expect(value(samples, 'tokens_issued_total', { grant_type: 'refresh_token', instance: setup.instance.name })).toBe(1);
    expect(value(samples, 'tokens_issued_total', { grant_type: 'implicit', instance: setup.instance.name })).toBe(1);
    expect(value(samples, 'tokens_issued_total', { grant_type: 'hybrid', instance: setup.instance.name })).toBe(1);
    expect(value(samples, 'sign_in_failures_total', { instance: setup.instance.name, reason: 'invalid_credentials' })).toBe(1);
    // Cross-tenant: a client of one instance at another's host is refused and issues nothing there.
    const other = await createInstance(ts);
    await createUser(ts, other, { Login: 'svc' });
    expect((await tokenRequest(ts, other, { grant_type: 'client_credentials', client_id: cc.app.clientId, client_secret: cc.app.clientSecret })).status).toBe(401);
    const after = await scrape();
    expect(value(after, 'tokens_issued_total', { instance: other.name })).toBe(0);
    expect(value(after, 'tokens_issued_total', { grant_type: 'client_credentials', instance: cc.instance.name })).toBe(2);
  });
});
