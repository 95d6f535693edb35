import { auth, clientCredentialsSetup, createInstance } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';

const SPA = 'https://spa.example.com';

/** CORS for browser applications (modules/cors): public metadata for anyone, the rest for the instance's application origins. */
describe('CORS', () => {
  let ts: TestServer;
  beforeAll(async () => (ts = await startTestServer()));
  afterAll(() => ts.close());

  it('discovery, JWKS and auto-discovery are readable from any origin, through Fastify and the fast lane alike', async () => {
    const instance = await createInstance(ts);
    for (let i = 0; i < 2; i++) {
      for (const path of ['/id/.well-known/openid-configuration', '/id/.well-known/openid-configuration/jwks', '/sys/auto-discovery']) {
        const res = await ts.http().get(path).set('Host', instance.host).set('Origin', 'https://anyone.example').expect(200);
        expect([path, res.headers['access-control-allow-origin']]).toEqual([path, '*']);
      }
    }
    const preflight = await ts.http().options('/id/.well-known/openid-configuration').set('Host', instance.host).set('Origin', 'https://anyone.example').set('Access-Control-Request-Method', 'GET');
    expect([preflight.status, preflight.headers['access-control-allow-origin']]).toEqual([204, '*']);
  });

  it('the token endpoint answers an origin of the instance\'s applications, and no other, in the lane and out of it', async () => {
    const { instance, app } = await clientCredentialsSetup(ts, { ImpersonateLoginUrl: `${SPA}/callback, http://localhost:4200/cb` });
    const token = (origin: string) =>
      ts.http().post('/id/connect/token').set('Host', instance.host).set('Origin', origin).type('form').send({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret });
    for (let i = 0; i < 3; i++) {
      const admitted = await token(SPA).expect(200);
      expect(admitted.headers['access-control-allow-origin']).toBe(SPA);
      expect(admitted.headers.vary).toMatch(/Origin/);
      expect((await token('http://localhost:4200').expect(200)).headers['access-control-allow-origin']).toBe('http://localhost:4200');
      const other = await token('https://evil.example').expect(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('a preflight for userinfo is 204 with the methods and headers for an admitted origin; another gets no allowance', async () => {
    const { instance } = await clientCredentialsSetup(ts, { ImpersonateLoginUrl: `${SPA}/callback` });
    const preflight = (origin: string) =>
      ts.http().options('/id/connect/userinfo').set('Host', instance.host).set('Origin', origin).set('Access-Control-Request-Method', 'GET').set('Access-Control-Request-Headers', 'authorization');
    const ok = await preflight(SPA);
    expect(ok.status).toBe(204);
    expect(ok.headers).toMatchObject({ 'access-control-allow-origin': SPA, 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'Authorization, Content-Type' });
    const refused = await preflight('https://evil.example');
    expect(refused.status).toBe(204);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(refused.headers['access-control-allow-methods']).toBeUndefined();
    // An error answer carries the allowance too, so that the application can read why.
    const unauthenticated = await ts.http().get('/id/connect/userinfo').set('Host', instance.host).set('Origin', SPA);
    expect([unauthenticated.status, unauthenticated.headers['access-control-allow-origin']]).toEqual([401, SPA]);
  });

  it('the pushed authorization request endpoint admits the same origins as the token endpoint', async () => {
    const { instance } = await clientCredentialsSetup(ts, { ImpersonateLoginUrl: `${SPA}/callback` });
    const preflight = (origin: string) =>
      ts.http().options('/id/connect/par').set('Host', instance.host).set('Origin', origin).set('Access-Control-Request-Method', 'POST');
    expect((await preflight(SPA)).headers['access-control-allow-origin']).toBe(SPA);
    expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('an application disabled or changed takes its origin with it at once', async () => {
    const { instance, app } = await clientCredentialsSetup(ts, { ImpersonateLoginUrl: `${SPA}/callback` });
    const revocation = () => ts.http().post('/id/connect/revocation').set('Host', instance.host).set('Origin', SPA).type('form').send({ client_id: app.clientId, client_secret: app.clientSecret, token: 'x' });
    expect((await revocation().expect(200)).headers['access-control-allow-origin']).toBe(SPA);
    await ts.http().patch(`/admin/v1/instances/${instance.name}/trusted-applications/${encodeURIComponent(app.clientId)}`).set(auth).send({ IsEnabled: false }).expect(200);
    const after = await ts.http().post('/id/connect/revocation').set('Host', instance.host).set('Origin', SPA).type('form').send({ client_id: app.clientId, client_secret: app.clientSecret, token: 'x' });
    expect(after.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('admin routes and the sign-in pages allow no other origin', async () => {
    const instance = await createInstance(ts);
    const admin = await ts.http().get('/admin/v1/instances').set(auth).set('Origin', SPA).expect(200);
    expect(admin.headers['access-control-allow-origin']).toBeUndefined();
    const login = await ts.http().get('/id/account/login').set('Host', instance.host).set('Origin', SPA);
    expect(login.headers['access-control-allow-origin']).toBeUndefined();
  });
});
