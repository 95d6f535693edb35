import { hashSecret } from '@app/oauth-core';
import { Browser, parseForm, responseParams } from '../../utils/browser';
import { auth, createApplication, createUser, type ApplicationFixture, type InstanceFixture } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { CALLBACK, LOGOUT_CALLBACK, PASSWORD, signInSetup } from '../sign-in/sign-in.fixture';
import { authorizationCode, exchangeCode, NO_RATE_LIMITS, signedIn, type UserTokens } from './hardening.fixture';

/** The application body signInSetup registers, so that B can hold a twin of A's application. */
const SIGN_IN_APP = { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK, ImpersonateLogoutUrl: LOGOUT_CALLBACK, Scope: 'read update', AccessTokens: 'AuthenticatedUsers' };

/**
 * Two instances on one server. B has a user with the same login and password as A's, and a twin
 * of A's application: the same client_id and the same secret. So whatever B refuses, it refuses
 * because the artifact was issued at A, not because B lacks the client or the user.
 */
describe('hardening: tenant isolation (issued at A, presented at B)', () => {
  let ts: TestServer;
  let A: { instance: InstanceFixture; app: ApplicationFixture; resourceServer: ApplicationFixture };
  let B: { instance: InstanceFixture; twin: ApplicationFixture; resourceServer: ApplicationFixture; onlyB: ApplicationFixture };

  beforeAll(async () => {
    ts = await startTestServer();
    const a = await signInSetup(ts, SIGN_IN_APP);
    const b = await signInSetup(ts, SIGN_IN_APP);
    for (const i of [a.instance, b.instance]) await ts.http().patch(`/admin/v1/instances/${i.name}`).set(auth).send(NO_RATE_LIMITS).expect(200);
    const twinRes = await ts.http().post(`/admin/v1/instances/${b.instance.name}/trusted-applications`).set(auth)
      .send({ Name: 'Twin of A', ApplicationUri: a.app.clientId, ApplicationSecretHash: hashSecret(a.app.clientSecret), ...SIGN_IN_APP });
    expect(twinRes.status).toBe(201);
    await createUser(ts, b.instance, { Login: 'svc', Name: 'Service' });
    A = { instance: a.instance, app: a.app, resourceServer: await createApplication(ts, a.instance, { Scope: 'read' }) };
    B = {
      instance: b.instance,
      twin: { clientId: a.app.clientId, clientSecret: a.app.clientSecret },
      resourceServer: await createApplication(ts, b.instance, { Scope: 'read' }),
      onlyB: b.app,
    };
  });
  afterAll(() => ts.close());

  it("a CSRF cookie of A is no CSRF cookie at B (one tossed from a sibling subdomain), though B's key signed it too", async () => {
    const browser = new Browser(ts);
    const formA = parseForm((await browser.get(`http://${A.instance.host}/id/account/login`)).text);
    const formB = parseForm((await browser.get(`http://${B.instance.host}/id/account/login`)).text);
    browser.replayCookies(A.instance.host, B.instance.host);
    const tossed = await browser.post(formB.action, { ...formB.fields, csrf: formA.fields.csrf, username: 'john.doe', password: PASSWORD });
    expect(tossed.status).toBe(403);
    // B's own cookie and value still work.
    const own = new Browser(ts);
    const form = parseForm((await own.get(`http://${B.instance.host}/id/account/login`)).text);
    expect((await own.post(form.action, { ...form.fields, username: 'john.doe', password: PASSWORD })).status).toBe(200);
  });

  const token = (host: string, form: Record<string, string>) => ts.http().post('/id/connect/token').set('Host', host).type('form').send(form);
  const introspect = (host: string, app: ApplicationFixture, value: string) =>
    ts.http().post('/id/connect/introspect').set('Host', host).type('form').send({ token: value, client_id: app.clientId, client_secret: app.clientSecret });
  const userinfo = (host: string, value: string) => ts.http().get('/id/connect/userinfo').set('Host', host).set('Authorization', `Bearer ${value}`);
  const authorizeUrl = (instance: InstanceFixture, extra: Record<string, string> = {}) =>
    `http://${instance.host}/id/connect/authorize?${new URLSearchParams({ client_id: A.app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid', state: 's', ...extra })}`;

  it('authorization code: invalid_grant at B (even for the twin client), and still good at A afterwards', async () => {
    const flow = await authorizationCode(ts, A.instance, A.app, 'openid');
    const atB = await exchangeCode(ts, B.instance.host, B.twin, flow);
    expect(atB.status).toBe(400);
    expect(atB.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    // Not consumed or revoked by B's attempt.
    expect((await exchangeCode(ts, A.instance.host, A.app, flow)).status).toBe(200);
  });

  describe('tokens of a signed-in user', () => {
    let tokens: UserTokens;
    beforeAll(async () => ({ tokens } = await signedIn(ts, A.instance, A.app, 'openid profile offline_access')));

    it('access token: 401 invalid_token at B userinfo, {"active":false} at B introspection, still valid at A', async () => {
      const info = await userinfo(B.instance.host, tokens.access_token);
      expect(info.status).toBe(401);
      expect(info.body.error).toBe('invalid_token');
      expect((await introspect(B.instance.host, B.resourceServer, tokens.access_token)).body).toEqual({ active: false });
      expect((await introspect(B.instance.host, B.twin, tokens.access_token)).body).toEqual({ active: false });
      expect((await userinfo(A.instance.host, tokens.access_token)).status).toBe(200);
    });

    it('ID token: not a token at B userinfo, introspection, or as an id_token_hint', async () => {
      expect((await userinfo(B.instance.host, tokens.id_token)).status).toBe(401);
      expect((await introspect(B.instance.host, B.resourceServer, tokens.id_token)).body).toEqual({ active: false });
      // A session at B, and A's ID token as the hint with the twin's registered logout URI: asked, never redirected.
      const { browser } = await signedIn(ts, B.instance, B.twin, 'openid');
      const res = await browser.get(`http://${B.instance.host}/id/connect/endsession?${new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: LOGOUT_CALLBACK })}`);
      expect(res.status).toBe(200);
      expect(res.location).toBeUndefined();
      expect(res.text).toContain('name="confirm" value="yes"');
    });

    it('refresh token: invalid_grant at B (twin client), not revoked at B, still usable at A', async () => {
      const atB = await token(B.instance.host, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: B.twin.clientId, client_secret: B.twin.clientSecret });
      expect(atB.status).toBe(400);
      expect(atB.body.error).toBe('invalid_grant');
      // Revocation at B answers 200 (RFC 7009) and touches nothing at A.
      await ts.http().post('/id/connect/revocation').set('Host', B.instance.host).type('form')
        .send({ token: tokens.refresh_token!, token_type_hint: 'refresh_token', client_id: B.twin.clientId, client_secret: B.twin.clientSecret }).expect(200);
      const atA = await token(A.instance.host, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: A.app.clientId, client_secret: A.app.clientSecret });
      expect(atA.status).toBe(200);
    });
  });

  it('reference token (PAT): inactive at B introspection, refused at B userinfo, not revoked by B, active at A', async () => {
    const res = await ts.http().post(`/admin/v1/instances/${A.instance.name}/reference-tokens`).set(auth)
      .send({ Kind: 'PAT', ApplicationUri: A.app.clientId, UserLogin: 'john.doe', Scope: 'read', ExpiresAt: new Date(Date.now() + 3600_000).toISOString() });
    expect(res.status).toBe(201);
    const pat = res.body.Token as string;
    expect((await introspect(B.instance.host, B.resourceServer, pat)).body).toEqual({ active: false });
    expect((await introspect(B.instance.host, B.twin, pat)).body).toEqual({ active: false });
    expect((await userinfo(B.instance.host, pat)).status).toBe(401);
    await ts.http().post('/id/connect/revocation').set('Host', B.instance.host).type('form').send({ token: pat, client_id: B.twin.clientId, client_secret: B.twin.clientSecret }).expect(200);
    expect((await introspect(A.instance.host, A.resourceServer, pat)).body.active).toBe(true);
  });

  it("session cookie: A's cookies replayed at B's host sign no one in (login page, login_required), and A's session lives on", async () => {
    const { browser } = await signedIn(ts, A.instance, A.app, 'openid');
    browser.replayCookies(A.instance.host, B.instance.host);

    const none = await browser.get(authorizeUrl(B.instance, { prompt: 'none' }));
    expect(none.status).toBe(302);
    expect(responseParams(none.location!)).toMatchObject({ error: 'login_required', state: 's' });
    const interactive = await browser.get(authorizeUrl(B.instance));
    expect(interactive.status).toBe(302);
    expect(interactive.location).toContain(`http://${B.instance.host}/id/account/login?`);
    const page = await browser.get(interactive.location!);
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="password"');
    // Logging out at B with A's cookie ends nothing at A.
    const logout = await browser.get(`http://${B.instance.host}/id/connect/endsession`);
    expect(logout.status).toBe(200);
    const stillIn = await browser.get(authorizeUrl(A.instance, { prompt: 'none' }));
    expect(responseParams(stillIn.location!)).toHaveProperty('code');
  });

  it("client credentials: A's application is unknown at B (invalid_client at token, introspection, revocation, authorize)", async () => {
    const onlyA = await createApplication(ts, A.instance, { Scope: 'read', SystemUser: 'john.doe', SystemUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
    const post = { client_id: onlyA.clientId, client_secret: onlyA.clientSecret };
    const basic = `Basic ${Buffer.from(`${encodeURIComponent(onlyA.clientId)}:${encodeURIComponent(onlyA.clientSecret)}`).toString('base64')}`;
    expect((await token(A.instance.host, { grant_type: 'client_credentials', ...post })).status).toBe(200);

    for (const [path, form] of [['/id/connect/token', { grant_type: 'client_credentials' }], ['/id/connect/introspect', { token: 'x' }], ['/id/connect/revocation', { token: 'x' }]] as const) {
      const byPost = await ts.http().post(path).set('Host', B.instance.host).type('form').send({ ...form, ...post });
      expect({ path, status: byPost.status, error: byPost.body.error }).toEqual({ path, status: 401, error: 'invalid_client' });
      const byBasic = await ts.http().post(path).set('Host', B.instance.host).set('Authorization', basic).type('form').send(form);
      expect({ path, status: byBasic.status, error: byBasic.body.error }).toEqual({ path, status: 401, error: 'invalid_client' });
    }
    // At B's authorize, an unknown client_id is an error page: never a redirect to A's URI.
    const res = await new Browser(ts).get(`http://${B.instance.host}/id/connect/authorize?${new URLSearchParams({ client_id: onlyA.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid' })}`);
    expect(res.status).toBe(401);
    expect(res.location).toBeUndefined();
    expect(res.text).toContain('invalid_client');
    expect(res.headers['content-type']).toMatch(/^text\/html/);
  });

  it("a login of A's user at B is B's user of that name: B's sub_id and issuer, never A's", async () => {
    const browser = new Browser(ts);
    // B's john.doe signs in at B with B's twin app; the code B issues names B's user.
    const flow = await authorizationCode(ts, B.instance, B.twin, 'openid', browser);
    const res = await exchangeCode(ts, B.instance.host, B.twin, flow);
    const aUser = (await ts.http().get(`/admin/v1/instances/${A.instance.name}/users/john.doe`).set(auth)).body.Id;
    const bUser = (await ts.http().get(`/admin/v1/instances/${B.instance.name}/users/john.doe`).set(auth)).body.Id;
    const claims = JSON.parse(Buffer.from(res.body.access_token.split('.')[1], 'base64url').toString());
    expect(claims.sub_id).toBe(bUser);
    expect(claims.sub_id).not.toBe(aUser);
    expect(claims.iss).toBe(`http://${B.instance.host}/id`);
  });
});
