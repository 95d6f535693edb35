import { decodeJwt } from 'jose';
import { Browser, parseForm } from '../../utils/browser';
import { auth, createApplication, createUser, type ApplicationFixture } from '../../utils/fixtures';
import { moveClock, startTestServer, type TestServer } from '../../utils/test-server';
import { hostOf, setupInstance, tokenRequest, userinfo, type Setup } from '../sign-in/authorize.fixture';
import { CALLBACK, issuerOf, PASSWORD } from '../sign-in/sign-in.fixture';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** RFC 8628: a device asks, the person answers in a browser, the device polls for its tokens. */
describe('device authorization grant (RFC 8628)', () => {
  let ts: TestServer;
  let setup: Setup;
  let device: ApplicationFixture;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    setup = await setupInstance(ts);
    device = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK, DeviceFlowAllowed: true, Scope: 'read' });
  });
  afterAll(() => ts.close());
  afterEach(() => jest.restoreAllMocks());

  const start = (app: ApplicationFixture = device, body: Record<string, string | undefined> = {}) => {
    const form: Record<string, string> = {};
    for (const [k, v] of Object.entries({ client_id: app.clientId, client_secret: app.clientSecret || undefined, scope: 'openid offline_access read', ...body })) if (v !== undefined) form[k] = v;
    return ts.http().post('/id/connect/deviceauthorization').set('Host', hostOf(ts, setup.instance)).type('form').send(form);
  };
  const poll = (deviceCode: string, app: ApplicationFixture = device) =>
    tokenRequest(ts, setup.instance, { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: app.clientId, client_secret: app.clientSecret || undefined });
  const later = (seconds: number) => moveClock(ts, seconds);
  /** Follows the verification URI as a person would: sign in, come back to the page, press a button. */
  const answer = async (verificationUri: string, decision: 'approve' | 'deny', options: { browser?: Browser; username?: string } = {}) => {
    const browser = options.browser ?? new Browser(ts);
    let page = await browser.get(verificationUri);
    if (page.status === 302 && page.location!.includes('/id/account/login')) {
      const login = await browser.get(page.location!);
      const { action, fields } = parseForm(login.text);
      const signedIn = await browser.post(action, { ...fields, username: options.username ?? 'john.doe', password: PASSWORD });
      expect(signedIn.status).toBe(303);
      page = await browser.get(signedIn.location!);
    }
    expect(page.status).toBe(200);
    const { action, fields } = parseForm(page.text);
    return { page, result: await browser.post(action, { ...fields, decision }), browser };
  };

  /** A browser signed in through the verification page (which sends people to sign in and back). */
  const signedInBrowser = async (username = 'john.doe') => {
    const browser = new Browser(ts);
    const first = await browser.get(`${issuerOf(ts, setup.instance)}/account/device`);
    const login = await browser.get(first.location!);
    const { action, fields } = parseForm(login.text);
    const signedIn = await browser.post(action, { ...fields, username, password: PASSWORD });
    expect(signedIn.status).toBe(303);
    const back = await browser.get(signedIn.location!);
    expect(back.status).toBe(200);
    return browser;
  };

  it('is advertised in discovery', async () => {
    const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', hostOf(ts, setup.instance));
    expect(res.body.device_authorization_endpoint).toBe(`${issuerOf(ts, setup.instance)}/connect/deviceauthorization`);
    expect(res.body.grant_types_supported).toContain(DEVICE_GRANT);
  });

  it('ask, approve in a browser, poll: tokens for the person who approved, once', async () => {
    const started = await start();
    expect(started.status).toBe(200);
    expect(started.headers['cache-control']).toBe('no-store');
    const issuer = issuerOf(ts, setup.instance);
    expect(started.body).toEqual({
      device_code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      user_code: expect.stringMatching(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/),
      verification_uri: `${issuer}/account/device`,
      verification_uri_complete: `${issuer}/account/device?user_code=${started.body.user_code}`,
      expires_in: 600,
      interval: 5,
    });

    const pending = await poll(started.body.device_code);
    expect([pending.status, pending.body.error]).toEqual([400, 'authorization_pending']);

    const { page, result } = await answer(started.body.verification_uri_complete, 'approve');
    // The page names the application and shows the code to compare.
    expect(page.text).toContain(started.body.user_code);
    expect(result.status).toBe(200);

    later(10);
    const tokens = await poll(started.body.device_code);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', scope: 'openid offline_access read', refresh_token: expect.any(String), id_token: expect.any(String) });
    const claims = decodeJwt(tokens.body.access_token);
    expect(claims).toMatchObject({ sub: 'john.doe', client_id: device.clientId, scope: ['openid', 'offline_access', 'read'] });
    expect(decodeJwt(tokens.body.id_token)).toMatchObject({ sub: 'john.doe', aud: device.clientId, sid: claims.sid });
    expect((await userinfo(ts, setup.instance, tokens.body.access_token)).status).toBe(200);

    // Used once.
    const again = await poll(started.body.device_code);
    expect([again.status, again.body.error]).toEqual([400, 'invalid_grant']);
    // The refresh token works as any other.
    const refreshed = await tokenRequest(ts, setup.instance, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: device.clientId, client_secret: device.clientSecret });
    expect(refreshed.status).toBe(200);

    const events = await ts.http().get('/admin/v1/audit').query({ instance: setup.instance.name, action: 'device.approved' }).set(auth);
    expect(events.body[0]).toMatchObject({ Actor: 'john.doe', Target: device.clientId });
  });

  it('polling sooner than the interval is slow_down, and the interval grows by 5 seconds', async () => {
    const { body } = await start();
    expect((await poll(body.device_code)).body.error).toBe('authorization_pending');
    const fast = await poll(body.device_code);
    expect([fast.status, fast.body.error]).toEqual([400, 'slow_down']);
    expect(fast.body.error_description).toContain('10 seconds');
    later(7); // past the first interval, not the widened one
    expect((await poll(body.device_code)).body.error).toBe('slow_down');
  });

  it('denied: access_denied; expired: expired_token', async () => {
    const denied = await start();
    const { result } = await answer(denied.body.verification_uri_complete, 'deny');
    expect(result.status).toBe(200);
    expect((await poll(denied.body.device_code)).body.error).toBe('access_denied');

    const expired = await start();
    const browser = await signedInBrowser();
    later(601);
    expect((await poll(expired.body.device_code)).body.error).toBe('expired_token');
    // An expired code can no longer be approved either.
    const page = await browser.get(expired.body.verification_uri_complete);
    expect(page.status).toBe(400);
    expect(page.text).toContain('not valid');
  });

  it("another application's device_code is invalid_grant, and does not count as its poll", async () => {
    const other = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK, DeviceFlowAllowed: true });
    const { body } = await start();
    const stolen = await poll(body.device_code, other);
    expect([stolen.status, stolen.body.error]).toEqual([400, 'invalid_grant']);
    expect((await poll(body.device_code)).body.error).toBe('authorization_pending');
    expect((await poll('made-up')).body.error).toBe('invalid_grant');
  });

  it('only applications with DeviceFlowAllowed may start it or poll', async () => {
    const refused = await start(setup.app);
    expect([refused.status, refused.body.error]).toEqual([400, 'unauthorized_client']);
    const polled = await poll('anything', setup.app);
    expect([polled.status, polled.body.error]).toEqual([400, 'unauthorized_client']);
    const wrongSecret = await start({ ...device, clientSecret: 'wrong' });
    expect([wrongSecret.status, wrongSecret.body.error]).toEqual([401, 'invalid_client']);
    const badScope = await start(device, { scope: 'openid admin' });
    expect([badScope.status, badScope.body.error]).toEqual([400, 'invalid_scope']);
    const app = await ts.http().get(`/admin/v1/instances/${setup.instance.name}/trusted-applications/${encodeURIComponent(device.clientId)}`).set(auth);
    expect(app.body.DeviceFlowAllowed).toBe(true);
  });

  it('a Public application (a TV app, a CLI) uses it with its client_id alone, and gets no refresh token', async () => {
    const tv = await createApplication(ts, setup.instance, { ClientType: 'Public', ApplicationSecretHash: null, ImpersonateAsInternalUserAllowed: true, DeviceFlowAllowed: true });
    const started = await start({ ...tv, clientSecret: '' }, { scope: 'openid offline_access' });
    expect(started.status).toBe(200);
    await answer(started.body.verification_uri_complete, 'approve');
    const tokens = await poll(started.body.device_code, { ...tv, clientSecret: '' });
    expect(tokens.status).toBe(200);
    expect(tokens.body.refresh_token).toBeUndefined();
    expect(tokens.body.scope).toBe('openid');
  });

  it('the page: a code typed in any case and spacing is found; a wrong one says so; a user the application does not admit cannot approve', async () => {
    const started = await start();
    const browser = await signedInBrowser();
    const wrong = await browser.get(`${issuerOf(ts, setup.instance)}/account/device?user_code=BBBB-BBBB`);
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('not valid');
    const typed = started.body.user_code.toLowerCase().replace('-', ' ');
    const found = await browser.get(`${issuerOf(ts, setup.instance)}/account/device?user_code=${encodeURIComponent(typed)}`);
    expect(found.status).toBe(200);
    expect(found.text).toContain(started.body.user_code);
    expect(found.text).toContain('Allow');

    // A community user, whom this application does not admit.
    await createUser(ts, setup.instance, { Login: 'visitor', Email: 'visitor@example.com', Password: PASSWORD, UserType: 'ExternalCommunityUser' });
    const other = await start();
    const { result } = await answer(other.body.verification_uri_complete, 'approve', { username: 'visitor' });
    expect(result.status).toBe(403);
    expect((await poll(other.body.device_code)).body.error).toBe('authorization_pending');
  });

  it('the answer needs the CSRF token and a session', async () => {
    const started = await start();
    const anonymous = await new Browser(ts).post(`${issuerOf(ts, setup.instance)}/account/device`, { user_code: started.body.user_code, decision: 'approve' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.location).toContain('/id/account/login?return=');
    const signed = await signedInBrowser();
    const forged = await signed.post(`${issuerOf(ts, setup.instance)}/account/device`, { user_code: started.body.user_code, decision: 'approve', csrf: 'forged' });
    expect(forged.status).toBe(403);
    expect((await poll(started.body.device_code)).body.error).toBe('authorization_pending');
  });
});
