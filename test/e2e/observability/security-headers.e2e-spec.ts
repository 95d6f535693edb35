import { Browser, parseForm } from '../../utils/browser';
import { clientCredentialsSetup, createInstance } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { authorizeUrl, hostOf, random, tokenRequest, userinfo } from '../sign-in/authorize.fixture';
import { CALLBACK, signIn, signInSetup } from '../sign-in/sign-in.fixture';

type Headers = Record<string, string | string[] | undefined>;

/** What helmet adds to every response, with our choices (no global CSP, no COOP, DENY, no HSTS over http). */
function expectSecurityHeaders(headers: Headers) {
  expect(headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-permitted-cross-domain-policies': 'none',
    'origin-agent-cluster': '?1',
    'x-xss-protection': '0',
  });
  expect(headers['cross-origin-opener-policy']).toBeUndefined();
  expect(headers['strict-transport-security']).toBeUndefined();
  expect(headers['x-powered-by']).toBeUndefined();
  expect(typeof headers['x-request-id']).toBe('string');
}

function expectNoStore(headers: Headers) {
  expect(headers['cache-control']).toBe('no-store');
  expect(headers.pragma).toBe('no-cache');
}

/** Security headers on every response, and no-store on every response that carries a token or a claim. */
describe('observability: security headers', () => {
  let ts: TestServer;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
  });
  afterAll(() => ts.close());

  it('on a JSON endpoint, with no Content-Security-Policy of helmet\'s', async () => {
    const instance = await createInstance(ts);
    const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', instance.host);
    expect(res.status).toBe(200);
    expectSecurityHeaders(res.headers);
    expect(res.headers['content-security-policy']).toBeUndefined();
    // The tenant hook's 404 for an unknown host and the admin API too.
    const unknown = await ts.http().get('/id/.well-known/openid-configuration').set('Host', 'nobody.test.local');
    expect(unknown.status).toBe(404);
    expectSecurityHeaders(unknown.headers);
    expectSecurityHeaders((await ts.http().get('/admin/v1/instances')).headers);
  });

  it('no-store and Pragma on token responses and errors, introspection, revocation and userinfo', async () => {
    const { instance, app } = await clientCredentialsSetup(ts);
    const token = await tokenRequest(ts, instance, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret });
    expect(token.status).toBe(200);
    expectSecurityHeaders(token.headers);
    expectNoStore(token.headers);
    const refused = await tokenRequest(ts, instance, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: 'wrong' });
    expect(refused.status).toBe(401);
    expectNoStore(refused.headers);
    expectSecurityHeaders(refused.headers);

    const host = hostOf(ts, instance);
    const creds = { client_id: app.clientId, client_secret: app.clientSecret };
    const introspection = await ts.http().post('/id/connect/introspect').set('Host', host).type('form').send({ token: token.body.access_token, ...creds });
    expect(introspection.status).toBe(200);
    expectNoStore(introspection.headers);
    const introspectionError = await ts.http().post('/id/connect/introspect').set('Host', host).type('form').send({ token: 'x' });
    expect(introspectionError.status).toBe(401);
    expectNoStore(introspectionError.headers);
    const revocation = await ts.http().post('/id/connect/revocation').set('Host', host).type('form').send({ token: 'unknown-token', ...creds });
    expect(revocation.status).toBe(200);
    expectNoStore(revocation.headers);
    const unauthorized = await userinfo(ts, instance, 'not-a-token');
    expect(unauthorized.status).toBe(401);
    expectNoStore(unauthorized.headers);
  });

  it('userinfo with a user token, and the sign-in page: its own strict CSP with a nonce, framing denied', async () => {
    const setup = await signInSetup(ts);
    const browser = new Browser(ts);
    const first = await browser.get(authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid', state: random() }));
    const page = await browser.get(first.location!);
    expect(page.status).toBe(200);
    expectSecurityHeaders(page.headers);
    expectNoStore(page.headers);
    const csp = page.headers['content-security-policy'] as string;
    expect(typeof csp).toBe('string');
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(parseForm(page.text).fields.csrf).toBeDefined();

    // form_post: the page's CSP lets its form post to the client's redirect_uri (no form-action limit).
    const posted = await signIn(browser, authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'code', response_mode: 'form_post', scope: 'openid', state: random() }));
    expect(posted.status).toBe(200);
    expect(parseForm(posted.text).action).toBe(CALLBACK);
    const formCsp = posted.headers['content-security-policy'] as string;
    expect(formCsp).not.toMatch(/form-action/);
    expectSecurityHeaders(posted.headers);
    expectNoStore(posted.headers);
  });
});

describe('observability: HSTS behind a TLS-terminating proxy', () => {
  let ts: TestServer;

  beforeAll(async () => {
    ts = await startTestServer({ TRUST_PROXY: 'true' });
  });
  afterAll(() => ts.close());

  it('sends Strict-Transport-Security on https requests only', async () => {
    const https = await ts.http().get('/healthz').set('X-Forwarded-Proto', 'https');
    expect(https.headers['strict-transport-security']).toBe('max-age=31536000');
    const http = await ts.http().get('/healthz').set('X-Forwarded-Proto', 'http');
    expect(http.headers['strict-transport-security']).toBeUndefined();
  });
});
