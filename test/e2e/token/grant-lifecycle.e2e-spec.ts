import { decodeJwt } from 'jose';
import { auth, createApplication, type ApplicationFixture, type InstanceFixture } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { createPublicApplication, exchangeCode, hostOf, obtainCode, patchApplication, setupInstance, tokenRequest, type Setup } from '../sign-in/authorize.fixture';
import { CALLBACK } from '../sign-in/sign-in.fixture';

/**
 * What revocation (RFC 7009) and the admin API do to tokens already issued: a revoked access
 * token, a revoked grant, an application deleted (and one created again with its ApplicationUri),
 * an application whose Scope shrank. Also client authentication's edges on the back channel.
 */
describe('grant lifecycle: revocation, deleted applications, shrunk scopes', () => {
  let ts: TestServer;
  let setup: Setup;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    setup = await setupInstance(ts);
  });
  afterAll(() => ts.close());

  const post = (instance: InstanceFixture, path: string, form: Record<string, string>, headers: Record<string, string> = {}) => {
    let req = ts.http().post(path).set('Host', hostOf(ts, instance)).type('form');
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    return req.send(form);
  };
  const credentials = (app: ApplicationFixture) => ({ client_id: app.clientId, client_secret: app.clientSecret });
  const revoke = (s: Pick<Setup, 'instance' | 'app'>, token: string, hint?: string) =>
    post(s.instance, '/id/connect/revocation', { ...credentials(s.app), token, ...(hint ? { token_type_hint: hint } : {}) });
  const active = async (s: Pick<Setup, 'instance' | 'app'>, token: string) =>
    (await post(s.instance, '/id/connect/introspect', { ...credentials(s.app), token }).expect(200)).body.active as boolean;
  const tokens = async (s: Pick<Setup, 'instance' | 'app'>, scope = 'openid offline_access read update') => {
    const { code, verifier } = await obtainCode(ts, s, { scope });
    const res = await exchangeCode(ts, s.instance, s.app, code, { verifier });
    expect(res.status).toBe(200);
    return res.body as { access_token: string; refresh_token: string; scope: string };
  };
  const refresh = (s: Pick<Setup, 'instance' | 'app'>, token: string) => tokenRequest(ts, s.instance, { grant_type: 'refresh_token', refresh_token: token, ...credentials(s.app) });

  describe('revocation', () => {
    it.each([['with the hint access_token', 'access_token'], ['without a hint', undefined], ['with the wrong hint', 'refresh_token']])(
      'revokes an access token by its jti (%s): introspection and userinfo refuse it from then on',
      async (_name, hint) => {
        const { access_token } = await tokens(setup);
        expect(await active(setup, access_token)).toBe(true);
        await revoke(setup, access_token, hint).expect(200);
        expect(await active(setup, access_token)).toBe(false);
        await ts.http().get('/id/connect/userinfo').set('Host', hostOf(ts, setup.instance)).set('Authorization', `Bearer ${access_token}`).expect(401);
      },
    );

    it("another application's access token: 200, and it stays active", async () => {
      const { access_token } = await tokens(setup);
      const other = await createApplication(ts, setup.instance, { Scope: 'read' });
      await revoke({ instance: setup.instance, app: other }, access_token).expect(200);
      expect(await active(setup, access_token)).toBe(true);
    });

    it('a client_credentials token is revoked too', async () => {
      const app = await createApplication(ts, setup.instance, { Scope: 'read', SystemUser: 'john.doe', SystemUserAllowed: true });
      const s = { instance: setup.instance, app };
      const res = await tokenRequest(ts, setup.instance, { grant_type: 'client_credentials', ...credentials(app) }).expect(200);
      await revoke(s, res.body.access_token).expect(200);
      expect(await active(s, res.body.access_token)).toBe(false);
    });

    it('introspection answers a refresh token to the application it was issued to, while it can still be used (RFC 7662 §2.1)', async () => {
      const first = await tokens(setup);
      const res = await post(setup.instance, '/id/connect/introspect', { ...credentials(setup.app), token: first.refresh_token, token_type_hint: 'refresh_token' }).expect(200);
      const access = decodeJwt(first.access_token);
      expect(res.body).toEqual({
        active: true,
        token_type: 'refresh_token',
        scope: 'openid offline_access read update',
        client_id: setup.app.clientId,
        iss: access.iss,
        sub: access.sub,
        sub_id: access.sub_id,
        sid: access.sid,
        auth_time: access.auth_time,
        exp: expect.any(Number),
      });
      expect(res.body.exp).toBeGreaterThan(Math.floor(Date.now() / 1000) + 29 * 24 * 3600);
      // To another application it is no token; once rotated (used), it is inactive.
      const other = await createApplication(ts, setup.instance, { Scope: 'read' });
      expect(await active({ instance: setup.instance, app: other }, first.refresh_token)).toBe(false);
      const second = (await refresh(setup, first.refresh_token).expect(200)).body;
      expect(await active(setup, first.refresh_token)).toBe(false);
      expect(await active(setup, second.refresh_token)).toBe(true);
      await revoke(setup, second.refresh_token).expect(200);
      expect(await active(setup, second.refresh_token)).toBe(false);
    });

    it('revoking a refresh token also revokes the access tokens of its grant (RFC 7009 §2.1)', async () => {
      const first = await tokens(setup);
      const second = (await refresh(setup, first.refresh_token).expect(200)).body;
      await revoke(setup, second.refresh_token, 'refresh_token').expect(200);
      expect(await active(setup, first.access_token)).toBe(false);
      expect(await active(setup, second.access_token)).toBe(false);
      expect((await refresh(setup, second.refresh_token)).body.error).toBe('invalid_grant');
    });

    it('a Public application revokes its own tokens with its client_id alone', async () => {
      const app = await createPublicApplication(ts, setup.instance, { Scope: 'read' });
      const { code, verifier } = await obtainCode(ts, { instance: setup.instance, app: { clientId: app.clientId, clientSecret: '' } });
      const issued = await tokenRequest(ts, setup.instance, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, client_id: app.clientId, code_verifier: verifier }).expect(200);
      await post(setup.instance, '/id/connect/revocation', { client_id: app.clientId, token: issued.body.access_token }).expect(200);
      expect(await active(setup, issued.body.access_token)).toBe(false);
    });
  });

  describe('an application deleted, and one created again with its ApplicationUri', () => {
    it('inherits none of the old grants: codes, refresh tokens and access tokens are dead', async () => {
      const s = await setupInstance(ts);
      const issued = await tokens(s);
      const unused = await obtainCode(ts, s, { scope: 'openid' });
      await ts.http().delete(`/admin/v1/instances/${s.instance.name}/trusted-applications/${encodeURIComponent(s.app.clientId)}`).set(auth).expect(204);
      // Access tokens are told apart by their iat, in whole seconds: the namesake comes a second later.
      await new Promise((resolve) => setTimeout(resolve, 1100));

      const again = await createApplication(ts, s.instance, { ApplicationUri: s.app.clientId, ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK, Scope: 'read' });
      const t = { instance: s.instance, app: again };
      expect((await refresh(t, issued.refresh_token)).body.error).toBe('invalid_grant');
      expect((await exchangeCode(ts, s.instance, again, unused.code, { verifier: unused.verifier })).body.error).toBe('invalid_grant');
      expect(await active(t, issued.access_token)).toBe(false);
      await ts.http().get('/id/connect/userinfo').set('Host', hostOf(ts, s.instance)).set('Authorization', `Bearer ${issued.access_token}`).expect(401);
      // The new application's own tokens work.
      expect(await active(t, (await tokens(t, 'openid read')).access_token)).toBe(true);
    });

    it('renamed, it leaves its refresh tokens behind for nobody', async () => {
      const s = await setupInstance(ts);
      const issued = await tokens(s);
      const renamed = `renamed-${s.app.clientId}`;
      await patchApplication(ts, s.instance, s.app, { ApplicationUri: renamed }).expect(200);
      const again = await createApplication(ts, s.instance, { ApplicationUri: s.app.clientId, ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK, Scope: 'read update' });
      expect((await refresh({ instance: s.instance, app: again }, issued.refresh_token)).body.error).toBe('invalid_grant');
    });
  });

  it("a refresh after the application's Scope shrank gets only what it is still allowed", async () => {
    const s = await setupInstance(ts);
    const issued = await tokens(s);
    expect(issued.scope).toBe('openid offline_access read update');
    await patchApplication(ts, s.instance, s.app, { Scope: 'read' }).expect(200);
    const res = await refresh(s, issued.refresh_token).expect(200);
    expect(res.body.scope).toBe('openid offline_access read');
    expect(decodeJwt(res.body.access_token).scope).toEqual(['openid', 'offline_access', 'read']);
  });

  describe('client authentication on the back channel', () => {
    it.each(['ZGVtby1hcHA=', '!!!', ''])('a malformed Basic header (%j) is 401 invalid_client with a Basic challenge', async (value) => {
      for (const path of ['/id/connect/token', '/id/connect/introspect', '/id/connect/revocation']) {
        const res = await post(setup.instance, path, { grant_type: 'client_credentials', token: 'x' }, { Authorization: `Basic ${value}`.trim() });
        expect([path, res.status, res.body.error]).toEqual([path, 401, 'invalid_client']);
        expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
      }
    });

    it('another Authorization scheme (Bearer) is 401 invalid_client with a Basic challenge', async () => {
      for (const path of ['/id/connect/token', '/id/connect/introspect', '/id/connect/revocation']) {
        const res = await post(setup.instance, path, { grant_type: 'client_credentials', token: 'x' }, { Authorization: 'Bearer x' });
        expect([path, res.status, res.body.error, res.headers['www-authenticate']]).toEqual([path, 401, 'invalid_client', expect.stringMatching(/^Basic realm=/)]);
      }
    });

    it('an empty secret is refused whether sent by Basic or in the form, even when it is the registered one', async () => {
      const app = await createApplication(ts, setup.instance, { Scope: 'read', SystemUser: 'john.doe', SystemUserAllowed: true });
      await ts.http().patch(`/admin/v1/instances/${setup.instance.name}/trusted-applications/${encodeURIComponent(app.clientId)}`).set(auth).send({ ApplicationSecretHash: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' }).expect(200); // sha256('')
      const basic = await tokenRequest(ts, setup.instance, { grant_type: 'client_credentials' }, { Authorization: `Basic ${Buffer.from(`${app.clientId}:`).toString('base64')}` });
      expect([basic.status, basic.body.error]).toEqual([401, 'invalid_client']);
      const form = await tokenRequest(ts, setup.instance, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: '' });
      expect([form.status, form.body.error]).toEqual([401, 'invalid_client']);
    });
  });

  describe('error bodies', () => {
    it('error_description holds only the characters RFC 6749 §5.2 allows', async () => {
      const res = await tokenRequest(ts, setup.instance, { grant_type: 'é"x\\y\n', ...credentials(setup.app) });
      expect(res.body.error).toBe('unsupported_grant_type');
      expect(res.body.error_description).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
    });

    it('a route that does not exist is named without its query, which may hold a secret', async () => {
      const res = await ts.http().get('/id/connect/tokens?client_secret=SECRET123').set('Host', hostOf(ts, setup.instance));
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('SECRET123');
      // A route that exists, asked with the wrong method: 405, and no echo either.
      const wrongMethod = await ts.http().get('/id/connect/token?client_secret=SECRET123').set('Host', hostOf(ts, setup.instance));
      expect(wrongMethod.status).toBe(405);
      expect(JSON.stringify(wrongMethod.body)).not.toContain('SECRET123');
    });
  });

});
