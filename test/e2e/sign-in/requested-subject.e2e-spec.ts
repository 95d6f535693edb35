import { decodeJwt } from 'jose';
import { Clock } from '../../../src/common/crypto/clock';
import { Browser, parseForm } from '../../utils/browser';
import { createApplication, createUser } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { authorizeUrl, isLoginRedirect, readResponse, setupInstance, signInTokens, type Params, type Setup } from './authorize.fixture';
import { CALLBACK, issuerOf, PASSWORD, signIn } from './sign-in.fixture';

/**
 * The user an authorization request names: id_token_hint (OIDC Core §3.1.2.1) and the claims
 * parameter's sub value (§5.5.1). The server never answers for anyone else: prompt=none gets
 * login_required, otherwise the person signs in, and a sign-in as someone else gets login_required.
 */
describe('sign-in: the user a request names (id_token_hint, claims sub)', () => {
  let ts: TestServer;
  let setup: Setup;
  let issuer: string;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    setup = await setupInstance(ts);
    issuer = issuerOf(ts, setup.instance);
    await createUser(ts, setup.instance, { Login: 'jane.roe', Name: 'Jane Roe', Password: PASSWORD });
  });
  afterAll(() => ts.close());

  const url = (extra: Params = {}) =>
    authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid', state: 'st', nonce: 'n', ...extra });

  /** A browser signed in as `username`, with the ID token it got. */
  async function signedIn(username: string): Promise<{ browser: Browser; idToken: string }> {
    const { body, browser } = await signInTokens(ts, setup, { username });
    return { browser, idToken: body.id_token! };
  }

  function expectError(res: Awaited<ReturnType<Browser['get']>>, error: string) {
    const response = readResponse(res);
    expect(response.target).toBe(CALLBACK);
    expect(response.params).toEqual({ error, error_description: expect.any(String), state: 'st', iss: issuer });
  }

  describe('id_token_hint', () => {
    it("the signed-in user's own hint answers at once, with prompt=none too", async () => {
      const john = await signedIn('john.doe');
      expect(readResponse(await john.browser.get(url({ id_token_hint: john.idToken, prompt: 'none' }))).params.code).toBeDefined();
      expect(readResponse(await john.browser.get(url({ id_token_hint: john.idToken }))).params.code).toBeDefined();
    });

    it("another user's hint with prompt=none → login_required", async () => {
      const john = await signedIn('john.doe');
      const jane = await signedIn('jane.roe');
      expectError(await jane.browser.get(url({ id_token_hint: john.idToken, prompt: 'none' })), 'login_required');
    });

    it("another user's hint without prompt=none: the sign-in page, filled in with the hinted login; signing in as them gives a code", async () => {
      const john = await signedIn('john.doe');
      const jane = await signedIn('jane.roe');
      const first = await jane.browser.get(url({ id_token_hint: john.idToken }));
      expect(isLoginRedirect(first)).toBe(true);
      const page = await jane.browser.get(first.location!);
      const { action, fields } = parseForm(page.text);
      expect(fields.username).toBe('john.doe');
      const done = readResponse(await jane.browser.post(action, { ...fields, username: 'john.doe', password: PASSWORD }));
      expect(done.params).toEqual({ code: expect.any(String), state: 'st', iss: issuer });
    });

    it('signing in as someone other than the hinted user → login_required, never a code', async () => {
      const john = await signedIn('john.doe');
      const res = await signIn(new Browser(ts), url({ id_token_hint: john.idToken }), 'jane.roe');
      expectError(res, 'login_required');
    });

    it('without a session: prompt=none → login_required; otherwise the sign-in page', async () => {
      const john = await signedIn('john.doe');
      expectError(await new Browser(ts).get(url({ id_token_hint: john.idToken, prompt: 'none' })), 'login_required');
      expect(isLoginRedirect(await new Browser(ts).get(url({ id_token_hint: john.idToken })))).toBe(true);
    });

    it('an expired hint is still a hint (OIDC Core §3.1.2.1)', async () => {
      const clock = ts.server.app.get(Clock);
      const hourAgo = Date.now() - 3600_000;
      const now = jest.spyOn(clock, 'now').mockImplementation(() => new Date(hourAgo));
      const epoch = jest.spyOn(clock, 'epochSeconds').mockImplementation(() => Math.floor(hourAgo / 1000));
      let john: { browser: Browser; idToken: string };
      try {
        john = await signedIn('john.doe');
      } finally {
        now.mockRestore();
        epoch.mockRestore();
      }
      expect(decodeJwt(john.idToken).exp!).toBeLessThan(Math.floor(Date.now() / 1000));
      expect(readResponse(await john.browser.get(url({ id_token_hint: john.idToken, prompt: 'none' }))).params.code).toBeDefined();
    });

    it('an invalid hint → invalid_request at the redirect_uri: tampered, garbage, unsigned, or issued to another application', async () => {
      const john = await signedIn('john.doe');
      const other = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
      const foreign = (await signInTokens(ts, { instance: setup.instance, app: other })).body.id_token!;
      const [h, p, sig] = john.idToken.split('.');
      const hints = [
        `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(john.idToken), sub: 'jane.roe' })).toString('base64url')}.${sig}`,
        `${h}.${p}.${Buffer.from('x'.repeat(256)).toString('base64url')}`,
        'not-a-jwt',
        `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`,
        foreign,
      ];
      for (const hint of hints) {
        expectError(await john.browser.get(url({ id_token_hint: hint })), 'invalid_request');
        expectError(await new Browser(ts).get(url({ id_token_hint: hint, prompt: 'none' })), 'invalid_request');
      }
    });

    it('cross-tenant: an ID token of another instance (same client_id) is invalid_request', async () => {
      const john = await signedIn('john.doe');
      const other = await setupInstance(ts, { ApplicationUri: setup.app.clientId });
      const foreign = (await signInTokens(ts, other)).body.id_token!;
      expect(decodeJwt(foreign)).toMatchObject({ sub: 'john.doe', aud: setup.app.clientId });
      expectError(await john.browser.get(url({ id_token_hint: foreign })), 'invalid_request');
    });
  });

  describe('claims sub value (OIDC Core §5.5.1)', () => {
    const claims = (member: 'id_token' | 'userinfo', sub: unknown) => JSON.stringify({ [member]: { sub: { value: sub } } });

    it.each(['id_token', 'userinfo'] as const)('%s: the signed-in user answers at once; anyone else with prompt=none → login_required', async (member) => {
      const john = await signedIn('john.doe');
      expect(readResponse(await john.browser.get(url({ claims: claims(member, 'john.doe'), prompt: 'none' }))).params.code).toBeDefined();
      expectError(await john.browser.get(url({ claims: claims(member, 'jane.roe'), prompt: 'none' })), 'login_required');
    });

    it.each(['id_token', 'userinfo'] as const)('%s: anyone else must sign in; as the named user a code, as another login_required', async (member) => {
      const john = await signedIn('john.doe');
      expect(isLoginRedirect(await john.browser.get(url({ claims: claims(member, 'jane.roe') })))).toBe(true);
      expect(readResponse(await signIn(john.browser, url({ claims: claims(member, 'jane.roe') }), 'jane.roe')).params.code).toBeDefined();
      expectError(await signIn(new Browser(ts), url({ claims: claims(member, 'jane.roe') }), 'john.doe'), 'login_required');
    });

    it('a sub value that is not a string → invalid_request', async () => {
      expectError(await new Browser(ts).get(url({ claims: claims('id_token', 42) })), 'invalid_request');
    });

    it('the ID token of a request naming its user carries that sub', async () => {
      const { body } = await signInTokens(ts, setup, { params: { claims: claims('id_token', 'john.doe') } });
      expect(decodeJwt(body.id_token!).sub).toBe('john.doe');
    });
  });
});
