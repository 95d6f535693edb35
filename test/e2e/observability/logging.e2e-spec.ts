import { hashSecret } from '@app/oauth-core';
import { Browser, parseForm } from '../../utils/browser';
import { auth, clientCredentialsSetup, createInstance, createUser } from '../../utils/fixtures';
import { ADMIN_KEY, startTestServer, type TestServer } from '../../utils/test-server';
import { hostOf, tokenRequest } from '../sign-in/authorize.fixture';
import { PASSWORD, signInSetup } from '../sign-in/sign-in.fixture';
import { codeFlowSecrets, LogCapture } from './observability.fixture';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Structured JSON logs: one object per line, a request id on every request's lines, and no secret anywhere. */
describe('observability: logs', () => {
  let ts: TestServer;
  const logs = new LogCapture();

  beforeAll(async () => {
    ts = await startTestServer({ LOG_LEVEL: 'trace' }, { logDestination: logs });
    await ts.listen();
  });
  afterAll(() => ts.close());

  it('client credentials, a sign-in with a wrong then the right password, a code exchange, a refresh and a password reset: no secret, password, code or token in any line', async () => {
    const secrets: string[] = [ADMIN_KEY, PASSWORD];
    const cc = await clientCredentialsSetup(ts);
    secrets.push(cc.app.clientSecret, hashSecret(cc.app.clientSecret));
    const post = await ts.http().post('/id/connect/token').set('Host', cc.instance.host).type('form').send({ grant_type: 'client_credentials', client_id: cc.app.clientId, client_secret: cc.app.clientSecret });
    expect(post.status).toBe(200);
    const basic = await ts.http().post('/id/connect/token').set('Host', cc.instance.host).auth(cc.app.clientId, cc.app.clientSecret).type('form').send({ grant_type: 'client_credentials' });
    expect(basic.status).toBe(200);
    secrets.push(post.body.access_token, basic.body.access_token);
    const info = await ts.http().get('/id/connect/userinfo').set('Host', cc.instance.host).set('Authorization', `Bearer ${post.body.access_token}`);
    expect(info.status).toBeLessThan(500);

    const setup = await signInSetup(ts);
    secrets.push(setup.app.clientSecret);
    const flow = await codeFlowSecrets(ts, setup.instance, setup.app, 'john.doe');
    secrets.push(...flow.secrets);
    // The id_token_hint travels in a URL that the access log quotes.
    const idToken = flow.responses[1].body.id_token as string;
    const logout = await flow.browser.get(`http://${hostOf(ts, setup.instance)}/id/connect/endsession?id_token_hint=${idToken}&state=xyz`);
    expect(logout.status).toBeLessThan(500);

    // A password reset at the Global authority: the mail (no SMTP_URL) is logged, its link's token is not.
    const global = await createInstance(ts, { Type: 'Global' });
    await createUser(ts, global, { Login: 'mary', Email: 'mary@example.com', Password: PASSWORD, EmailVerified: true });
    const browser = new Browser(ts);
    const forgot = await browser.get(`http://${global.host}/id/account/forgot`);
    const form = parseForm(forgot.text);
    secrets.push(form.fields.csrf);
    expect((await browser.post(form.action, { ...form.fields, email: 'mary@example.com' })).status).toBe(200);
    const outbox = await ts.http().get('/admin/v1/outbox?to=mary@example.com').set(auth);
    const resetLink = outbox.body[0].Links[0] as string;
    const resetToken = new URL(resetLink).searchParams.get('token')!;
    secrets.push(resetToken);
    expect((await ts.http().get(`/id/account/reset?token=${resetToken}`).set('Host', global.host)).status).toBe(200);

    const lines = logs.lines;
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((l) => l.context === 'Mail' && typeof l.msg === 'string' && l.msg.includes('/account/reset?token=[REDACTED]'))).toBe(true);
    const leaks = secrets
      .filter((s) => s && s.length >= 8)
      .flatMap((secret) => logs.raw.filter((line) => line.includes(secret) || line.includes(encodeURIComponent(secret))).map((line) => `${secret.slice(0, 12)}… in ${line.slice(0, 300)}`));
    expect(leaks).toEqual([]);
    // Headers are never logged: no cookie, no Authorization.
    expect(logs.raw.filter((l) => /"authorization"|"cookie"|set-cookie|Bearer [\w-]|Basic [\w=+/]/i.test(l))).toEqual([]);
  });

  it('every access log line and every line written while handling a request carries the request id', async () => {
    const before = logs.raw.length;
    const instance = await createInstance(ts);
    // A request that logs from inside (the mail service, through Nest's Logger) and a plain one.
    const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', instance.host);
    expect(res.status).toBe(200);
    const lines = logs.lines.slice(before);
    const access = lines.filter((l) => l.res && l.req);
    expect(access.length).toBeGreaterThanOrEqual(2);
    for (const line of access) expect(typeof line.reqId).toBe('string');
    const discovery = access.find((l) => (l.req as { url: string }).url === '/id/.well-known/openid-configuration')!;
    expect(discovery.reqId).toBe(res.headers['x-request-id']);
    expect(discovery).toMatchObject({ level: 'info', req: { method: 'GET', host: instance.host }, res: { statusCode: 200 } });
    expect(typeof discovery.time).toBe('string');
    expect(typeof discovery.responseTime).toBe('number');
    const all = logs.lines;
    // The mail line of the first test was written inside the request to /id/account/forgot.
    const mail = all.find((l) => l.context === 'Mail')!;
    const forgot = all.find((l) => l.reqId === mail.reqId && l.res)!;
    expect(forgot.req).toMatchObject({ method: 'POST', url: '/id/account/forgot' });
  });

  it('honours a sane incoming X-Request-Id and echoes it; replaces anything else with a UUID', async () => {
    const sane = await ts.http().get('/healthz').set('X-Request-Id', 'edge-7f3a.42:1');
    expect(sane.headers['x-request-id']).toBe('edge-7f3a.42:1');
    // Health checks and scrapes get no access line.
    expect(logs.lines.some((l) => l.reqId === 'edge-7f3a.42:1')).toBe(false);
    for (const bad of ['has spaces', 'x'.repeat(129), 'quote"s', 'new\u00e9line']) {
      const res = await ts.http().get('/healthz').set('X-Request-Id', bad);
      expect(res.headers['x-request-id']).toMatch(UUID);
    }
    const plain = await ts.http().get('/healthz');
    expect(plain.headers['x-request-id']).toMatch(UUID);
    // Also on a response that the tenant hook gives for an unknown host.
    const unknown = await ts.http().get('/id/.well-known/openid-configuration').set('Host', 'nobody.test.local').set('X-Request-Id', 'req-unknown-host');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['x-request-id']).toBe('req-unknown-host');
    expect(logs.lines.find((l) => l.reqId === 'req-unknown-host' && l.res)).toMatchObject({ res: { statusCode: 404 } });
  });

  it('logs the path and only allow-listed query values of a URL', async () => {
    const instance = await createInstance(ts);
    await ts
      .http()
      .get('/id/connect/authorize?client_id=abc&response_type=code&code=SECRETCODE123&state=STATE999&login_hint=someone%40example.com&request=SEALEDVALUE1')
      .set('Host', instance.host)
      .set('X-Request-Id', 'req-authorize-url');
    const line = logs.lines.find((l) => l.reqId === 'req-authorize-url' && l.req)!;
    expect((line.req as { url: string }).url).toBe(
      '/id/connect/authorize?client_id=abc&response_type=code&code=[REDACTED]&state=[REDACTED]&login_hint=[REDACTED]&request=[REDACTED]',
    );
    for (const secret of ['SECRETCODE123', 'STATE999', 'someone', 'SEALEDVALUE1']) expect(logs.raw.some((l) => l.includes(secret))).toBe(false);
  });

  it('cross-tenant: a token request with instance A\'s client at instance B is refused and logged without its secret', async () => {
    const a = await clientCredentialsSetup(ts);
    const b = await createInstance(ts);
    const res = await tokenRequest(ts, b, { grant_type: 'client_credentials', client_id: a.app.clientId, client_secret: a.app.clientSecret });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(logs.raw.some((l) => l.includes(a.app.clientSecret))).toBe(false);
  });
});
