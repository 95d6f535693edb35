import { auth } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { hostOf, patchApplication, setupInstance, signInTokens, userinfo, type Setup } from './authorize.fixture';
import { issuerOf } from './sign-in.fixture';

/** Userinfo refuses an access token whose Trusted Application was disabled or deleted, as introspection does. */
describe('sign-in: userinfo and the application the token was issued to', () => {
  let ts: TestServer;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
  });
  afterAll(() => ts.close());

  async function tokenOf(setup: Setup): Promise<string> {
    const token = (await signInTokens(ts, setup, { scope: 'openid profile' })).body.access_token;
    expect((await userinfo(ts, setup.instance, token)).status).toBe(200);
    return token;
  }

  function expectInvalidToken(setup: Setup, res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }) {
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="${issuerOf(ts, setup.instance)}", error="invalid_token"`);
    expect(res.headers['cache-control']).toBe('no-store');
  }

  const introspect = (setup: Setup, token: string) =>
    ts.http().post('/id/connect/introspect').set('Host', hostOf(ts, setup.instance)).type('form').send({ token, client_id: setup.app.clientId, client_secret: setup.app.clientSecret });

  it('a disabled application: 401 invalid_token by GET and POST, and again 200 once it is enabled', async () => {
    const setup = await setupInstance(ts);
    const token = await tokenOf(setup);
    await patchApplication(ts, setup.instance, setup.app, { IsEnabled: false }).expect(200);
    expectInvalidToken(setup, await userinfo(ts, setup.instance, token));
    expectInvalidToken(setup, await ts.http().post('/id/connect/userinfo').set('Host', hostOf(ts, setup.instance)).type('form').send({ access_token: token }));
    await patchApplication(ts, setup.instance, setup.app, { IsEnabled: true }).expect(200);
    expect((await userinfo(ts, setup.instance, token)).status).toBe(200);
    expect((await introspect(setup, token)).body.active).toBe(true);
  });

  it('a deleted application: 401 invalid_token', async () => {
    const setup = await setupInstance(ts);
    const token = await tokenOf(setup);
    await ts.http().delete(`/admin/v1/instances/${setup.instance.name}/trusted-applications/${encodeURIComponent(setup.app.clientId)}`).set(auth).expect(204);
    expectInvalidToken(setup, await userinfo(ts, setup.instance, token));
  });

  it('cross-tenant: a token of instance A at instance B, whose application has the same client_id, is 401 invalid_token', async () => {
    const a = await setupInstance(ts);
    const b = await setupInstance(ts, { ApplicationUri: a.app.clientId });
    const token = await tokenOf(a);
    expectInvalidToken(b, await userinfo(ts, b.instance, token));
  });
});
