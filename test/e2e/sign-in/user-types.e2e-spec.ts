import { jwtVerify } from 'jose';
import { Browser, parseForm } from '../../utils/browser';
import { createApplication, createInstance, createUser, type ApplicationFixture, type InstanceFixture } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';
import {
  authorizeUrl,
  exchangeCode,
  instanceJwks,
  isLoginRedirect,
  obtainCode,
  patchUser,
  readResponse,
  tokenRequest,
  userinfo,
  verifyAccessToken,
  verifyIdToken,
  relaxRateLimits,
} from './authorize.fixture';
import { CALLBACK, issuerOf, PASSWORD, signIn } from './sign-in.fixture';

const NOT_ALLOWED = 'Your account cannot sign in to this application.';

/**
 * Which users may sign in through which Trusted Application (ImpersonateAsInternalUserAllowed,
 * ImpersonateAsCommunityUserAllowed; never SystemUserNoLogin or inactive users), and what a
 * community user's tokens allow.
 */
describe('sign-in: user types', () => {
  let ts: TestServer;
  let instance: InstanceFixture;
  let issuer: string;
  const apps: Record<'both' | 'internalOnly' | 'communityOnly' | 'neither', ApplicationFixture> = {} as never;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    instance = await createInstance(ts);
    await relaxRateLimits(ts, instance);
    issuer = issuerOf(ts, instance);
    await createUser(ts, instance, { Login: 'internal', Name: 'Ivan Internal', Email: 'internal@example.com', EmailVerified: true, Password: PASSWORD, UserType: 'InternalUser' });
    await createUser(ts, instance, { Login: 'community', Name: 'Cora Community', Email: 'cora@example.com', EmailVerified: true, Password: PASSWORD, UserType: 'ExternalCommunityUser', Locale: 'en-US' });
    // A SystemUserNoLogin user cannot even have a password (the admin API refuses one).
    await createUser(ts, instance, { Login: 'system', Name: 'System', Password: null, UserType: 'SystemUserNoLogin' });
    await createUser(ts, instance, { Login: 'inactive', Name: 'Gone', Password: PASSWORD, UserType: 'InternalUser', Active: false });
    await createUser(ts, instance, { Login: 'inactive-community', Name: 'Gone Too', Password: PASSWORD, UserType: 'ExternalCommunityUser', Active: false });
    const app = (internal: boolean, community: boolean) =>
      createApplication(ts, instance, { ImpersonateAsInternalUserAllowed: internal, ImpersonateAsCommunityUserAllowed: community, ImpersonateLoginUrl: CALLBACK, Scope: 'read' });
    apps.both = await app(true, true);
    apps.internalOnly = await app(true, false);
    apps.communityOnly = await app(false, true);
    apps.neither = await app(false, false);
  });
  afterAll(() => ts.close());

  const url = (app: ApplicationFixture, extra: Record<string, string> = {}) =>
    authorizeUrl(ts, instance, { client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid profile', state: 's1', ...extra });

  const errorMessage = (html: string) => /<p class="error"[^>]*>([^<]*)</.exec(html)?.[1];

  it.each<[string, keyof typeof apps, 'allowed' | 'refused' | 'no password' | 'unauthorized_client']>([
    ['internal', 'both', 'allowed'],
    ['internal', 'internalOnly', 'allowed'],
    ['internal', 'communityOnly', 'refused'],
    ['internal', 'neither', 'unauthorized_client'],
    ['community', 'both', 'allowed'],
    ['community', 'communityOnly', 'allowed'],
    ['community', 'internalOnly', 'refused'],
    ['community', 'neither', 'unauthorized_client'],
    ['inactive', 'both', 'refused'],
    ['inactive', 'internalOnly', 'refused'],
    ['inactive-community', 'both', 'refused'],
    ['system', 'both', 'no password'],
  ])('%s user through the %s application: %s', async (login, appName, outcome) => {
    const browser = new Browser(ts);
    const res = await signIn(browser, url(apps[appName]), login);
    if (outcome === 'allowed') {
      expect(readResponse(res).params).toEqual({ code: expect.any(String), state: 's1', iss: issuer });
      return;
    }
    if (outcome === 'unauthorized_client') {
      // An application nobody may sign in through shows no sign-in page at all (RFC 6749 §4.1.2.1).
      expect(readResponse(res).params).toEqual({ error: 'unauthorized_client', error_description: expect.any(String), state: 's1', iss: issuer });
      return;
    }
    expect(res.location).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(parseForm(res.text).fields).toHaveProperty('username', login);
    if (outcome === 'refused') {
      // Refused on the sign-in page with a clear message.
      expect(res.status).toBe(403);
      expect(errorMessage(res.text)).toBe(NOT_ALLOWED + ' Contact your administrator.');
    } else {
      expect(res.status).toBe(401);
    }
    // And not signed in.
    const none = await browser.get(url(apps[appName], { prompt: 'none' }));
    expect(readResponse(none).params).toMatchObject({ error: 'login_required', state: 's1', iss: issuer });
  });

  it('the refusal message is localized', async () => {
    const res = await signIn(new Browser(ts), url(apps.internalOnly, { ui_locales: 'bg' }), 'community');
    expect(res.status).toBe(403);
    expect(errorMessage(res.text)).toContain('няма достъп до това приложение');
  });

  it('the refusal shows only after the correct password: a wrong one is 401 whatever the user type', async () => {
    for (const login of ['inactive', 'community']) {
      const res = await signIn(new Browser(ts), url(apps.internalOnly), login, 'wrong password');
      expect(res.status).toBe(401);
      expect(errorMessage(res.text)).not.toBe(NOT_ALLOWED + ' Contact your administrator.');
    }
    const res = await signIn(new Browser(ts), url(apps.both), 'system', 'any password');
    expect(res.status).toBe(401);
    expect(errorMessage(res.text)).not.toBe(NOT_ALLOWED + ' Contact your administrator.');
  });

  it('inactive users cannot sign in on the sign-in page without an application either', async () => {
    for (const login of ['inactive', 'inactive-community']) {
      const browser = new Browser(ts);
      const page = await browser.get(`${issuer}/account/login`);
      const { action, fields } = parseForm(page.text);
      const res = await browser.post(action, { ...fields, username: login, password: PASSWORD });
      expect(res.status).toBe(403);
    }
  });

  describe('a signed-in user and an application that does not admit them (single sign-on)', () => {
    let browser: Browser;
    beforeEach(async () => {
      browser = new Browser(ts);
      expect(readResponse(await signIn(browser, url(apps.both), 'internal')).params.code).toBeDefined();
    });

    it('goes to the sign-in page with the refusal message, never to the application with a code', async () => {
      const res = await browser.get(url(apps.communityOnly));
      expect(isLoginRedirect(res)).toBe(true);
      const page = await browser.get(res.location!);
      expect(errorMessage(page.text)).toBe(NOT_ALLOWED + ' Contact your administrator.');
      // Signing in there as a user the application admits works.
      const { action, fields } = parseForm(page.text);
      const done = await browser.post(action, { ...fields, username: 'community', password: PASSWORD });
      expect(readResponse(done).params).toEqual({ code: expect.any(String), state: 's1', iss: issuer });
    });

    // The refusal page answers 403 whether it follows a GET (single sign-on) or a POST.
    it('the sign-in page that shows the refusal answers 403', async () => {
      const res = await browser.get(url(apps.communityOnly));
      const page = await browser.get(res.location!);
      expect(page.status).toBe(403);
    });

    it('prompt=none → interaction_required at the redirect_uri', async () => {
      const res = await browser.get(url(apps.communityOnly, { prompt: 'none' }));
      expect(readResponse(res).params).toEqual({ error: 'interaction_required', error_description: expect.any(String), state: 's1', iss: issuer });
    });

    it('a signed-in user who becomes SystemUserNoLogin is refused, and so are their codes and refresh tokens', async () => {
      const login = `tosystem${Date.now()}`;
      await createUser(ts, instance, { Login: login, Password: PASSWORD, UserType: 'InternalUser' });
      const b = new Browser(ts);
      const pending = await obtainCode(ts, { instance, app: apps.both }, { browser: b, username: login });
      const withRefresh = await obtainCode(ts, { instance, app: apps.both }, { browser: b, scope: 'openid offline_access' });
      const tokens = await exchangeCode(ts, instance, apps.both, withRefresh.code, { verifier: withRefresh.verifier });
      expect(tokens.body.refresh_token).toBeDefined();

      await patchUser(ts, instance, login, { UserType: 'SystemUserNoLogin', Password: null }).expect(200);
      const res = await b.get(url(apps.both));
      expect(isLoginRedirect(res)).toBe(true);
      expect(errorMessage((await b.get(res.location!)).text)).toBe(NOT_ALLOWED + ' Contact your administrator.');
      expect(readResponse(await b.get(url(apps.both, { prompt: 'none' }))).params.error).toBe('interaction_required');
      const exchange = await exchangeCode(ts, instance, apps.both, pending.code, { verifier: pending.verifier });
      expect({ status: exchange.status, error: exchange.body.error }).toEqual({ status: 400, error: 'invalid_grant' });
      const refreshed = await tokenRequest(ts, instance, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: apps.both.clientId, client_secret: apps.both.clientSecret });
      expect({ status: refreshed.status, error: refreshed.body.error }).toEqual({ status: 400, error: 'invalid_grant' });
    });

    it('a user deactivated while signed in is sent to the sign-in page, not given a code', async () => {
      const login = `temp${Date.now()}`;
      await createUser(ts, instance, { Login: login, Password: PASSWORD, UserType: 'InternalUser' });
      const b = new Browser(ts);
      expect(readResponse(await signIn(b, url(apps.both), login)).params.code).toBeDefined();
      await patchUser(ts, instance, login, { Active: false }).expect(200);
      expect(isLoginRedirect(await b.get(url(apps.both)))).toBe(true);
      expect(readResponse(await b.get(url(apps.both, { prompt: 'none' }))).params.error).toMatch(/^(login_required|interaction_required)$/);
    });
  });

  describe('external (community) users', () => {
    it('get an ID token, but an access token only for the instance itself: not for DomainAPI or TableAPI', async () => {
      const { code, verifier } = await obtainCode(ts, { instance, app: apps.communityOnly }, { username: 'community', scope: 'openid profile email offline_access read' });
      const res = await exchangeCode(ts, instance, apps.communityOnly, code, { verifier });
      expect(res.status).toBe(200);
      const id = await verifyIdToken(ts, instance, res.body.id_token, apps.communityOnly.clientId);
      expect(id).toMatchObject({ sub: 'community', name: 'Cora Community', email: 'cora@example.com' });

      const at = await verifyAccessToken(ts, instance, res.body.access_token);
      expect(at.aud).toEqual([`${issuer}/resources`]);
      expect(at).toMatchObject({ sub: 'community', user_type: 'ExternalCommunityUser', client_id: apps.communityOnly.clientId, db: instance.database });
      const jwks = await instanceJwks(ts, instance);
      for (const audience of ['DomainAPI', 'TableAPI', 'OLAP', 'AppServer']) {
        await expect(jwtVerify(res.body.access_token, jwks, { issuer, audience })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
      }
      // Userinfo (the instance's own resource) accepts it.
      const info = await userinfo(ts, instance, res.body.access_token);
      expect(info.status).toBe(200);
      expect(info.body).toMatchObject({ sub: 'community', name: 'Cora Community', email: 'cora@example.com', locale: 'en-US' });

      // A refreshed access token is no wider.
      const refreshed = await tokenRequest(ts, instance, { grant_type: 'refresh_token', refresh_token: res.body.refresh_token, client_id: apps.communityOnly.clientId, client_secret: apps.communityOnly.clientSecret });
      expect(refreshed.status).toBe(200);
      expect((await verifyAccessToken(ts, instance, refreshed.body.access_token)).aud).toEqual([`${issuer}/resources`]);
    });

    it('an access token from the authorize endpoint (id_token token) is no wider', async () => {
      const browser = new Browser(ts);
      const res = await signIn(browser, url(apps.both, { response_type: 'id_token token', scope: 'openid read', nonce: 'n' }), 'community');
      const response = readResponse(res);
      expect((await verifyAccessToken(ts, instance, response.params.access_token)).aud).toEqual([`${issuer}/resources`]);
      expect((await verifyIdToken(ts, instance, response.params.id_token, apps.both.clientId)).sub).toBe('community');
    });

    it('internal users, by contrast, get the data APIs in aud', async () => {
      const { code, verifier } = await obtainCode(ts, { instance, app: apps.both }, { username: 'internal' });
      const res = await exchangeCode(ts, instance, apps.both, code, { verifier });
      const at = await verifyAccessToken(ts, instance, res.body.access_token, 'DomainAPI');
      expect(at.aud).toEqual(['DomainAPI', 'TableAPI', 'OLAP', 'AppServer', `${issuer}/resources`]);
      expect(at.user_type).toBe('InternalUser');
    });
  });
});
