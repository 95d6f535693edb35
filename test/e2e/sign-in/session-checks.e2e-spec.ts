import { Clock } from '../../../src/common/crypto/clock';
import { Browser } from '../../utils/browser';
import { createUser } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { authorizeUrl, hostOf, isLoginRedirect, patchUser, readResponse, setupInstance, type Params, type Setup } from './authorize.fixture';
import { CALLBACK, issuerOf, PASSWORD, signIn } from './sign-in.fixture';

/** When a session still counts: max_age (OIDC Core §3.1.2.1) and a user deactivated while signed in. */
describe('sign-in: max_age and inactive users end the use of a session', () => {
  let ts: TestServer;
  let setup: Setup;
  let issuer: string;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    setup = await setupInstance(ts);
    issuer = issuerOf(ts, setup.instance);
  });
  afterAll(() => ts.close());
  afterEach(() => jest.restoreAllMocks());

  const url = (extra: Params = {}, s: Setup = setup) =>
    authorizeUrl(ts, s.instance, { client_id: s.app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid', state: 'st', nonce: 'n', ...extra });

  async function signedIn(username = 'john.doe'): Promise<Browser> {
    const browser = new Browser(ts);
    expect(readResponse(await signIn(browser, url(), username)).params.code).toBeDefined();
    return browser;
  }

  const expectLoginRequired = (res: Awaited<ReturnType<Browser['get']>>) =>
    expect(readResponse(res).params).toEqual({ error: 'login_required', error_description: expect.any(String), state: 'st', iss: issuer });

  it('prompt=select_account shows the sign-in page even with a session, where another account can sign in', async () => {
    const browser = await signedIn();
    expect(isLoginRedirect(await browser.get(url({ prompt: 'select_account' })))).toBe(true);
    const login = `other${Date.now()}`;
    await createUser(ts, setup.instance, { Login: login, Password: PASSWORD, UserType: 'InternalUser' });
    expect(readResponse(await signIn(browser, url({ prompt: 'select_account' }), login)).params.code).toBeDefined();
    // Without prompt, the session (now the other account's) answers at once.
    expect(readResponse(await browser.get(url())).params.code).toBeDefined();
  });

  describe('max_age', () => {
    it('max_age=0 right after a sign-in still asks again, like prompt=login; with prompt=none → login_required', async () => {
      const browser = await signedIn();
      expect(isLoginRedirect(await browser.get(url({ max_age: '0' })))).toBe(true);
      expectLoginRequired(await browser.get(url({ max_age: '0', prompt: 'none' })));
      // Signing in again satisfies it: the answer is a code.
      expect(readResponse(await signIn(browser, url({ max_age: '0' }))).params.code).toBeDefined();
    });

    it('is compared to the millisecond: 1.5 s after the sign-in, max_age=1 asks again; 0.9 s after, it does not', async () => {
      const clock = ts.server.app.get(Clock);
      const t0 = Date.now();
      jest.spyOn(clock, 'now').mockImplementation(() => new Date(t0));
      const browser = await signedIn();
      jest.spyOn(clock, 'now').mockImplementation(() => new Date(t0 + 900));
      expect(readResponse(await browser.get(url({ max_age: '1' }))).params.code).toBeDefined();
      jest.spyOn(clock, 'now').mockImplementation(() => new Date(t0 + 1500));
      expect(isLoginRedirect(await browser.get(url({ max_age: '1' })))).toBe(true);
      expectLoginRequired(await browser.get(url({ max_age: '1', prompt: 'none' })));
    });
  });

  describe('a user deactivated while signed in', () => {
    async function newUser(): Promise<string> {
      const login = `temp${Date.now()}${Math.floor(Math.random() * 1000)}`;
      await createUser(ts, setup.instance, { Login: login, Password: PASSWORD, UserType: 'InternalUser' });
      return login;
    }

    it('has no session: prompt=none → login_required (not interaction_required), and reactivation does not revive it', async () => {
      const login = await newUser();
      const browser = await signedIn(login);
      await patchUser(ts, setup.instance, login, { Active: false }).expect(200);
      expectLoginRequired(await browser.get(url({ prompt: 'none' })));
      await patchUser(ts, setup.instance, login, { Active: true }).expect(200);
      expectLoginRequired(await browser.get(url({ prompt: 'none' })));
      // The person can sign in again and gets a new session.
      expect(readResponse(await signIn(browser, url(), login)).params.code).toBeDefined();
      expect(readResponse(await browser.get(url({ prompt: 'none' }))).params.code).toBeDefined();
    });

    it('reactivated before the browser came back: the old session is still over', async () => {
      const login = await newUser();
      const browser = await signedIn(login);
      await patchUser(ts, setup.instance, login, { Active: false }).expect(200);
      await patchUser(ts, setup.instance, login, { Active: true }).expect(200);
      expectLoginRequired(await browser.get(url({ prompt: 'none' })));
    });

    it('the sign-in page replaces the ended session', async () => {
      const login = await newUser();
      const browser = await signedIn(login);
      await patchUser(ts, setup.instance, login, { Active: false }).expect(200);
      expect(isLoginRedirect(await browser.get(url()))).toBe(true);
      await patchUser(ts, setup.instance, login, { Active: true }).expect(200);
      expect(readResponse(await signIn(browser, url(), 'john.doe')).params.code).toBeDefined();
    });
  });

  it('cross-tenant: a session cookie of instance A is no session at instance B', async () => {
    const browser = await signedIn();
    const other = await setupInstance(ts);
    browser.replayCookies(hostOf(ts, setup.instance), hostOf(ts, other.instance));
    expect(readResponse(await browser.get(url({ prompt: 'none' }, other))).params).toMatchObject({ error: 'login_required', iss: issuerOf(ts, other.instance) });
  });
});
