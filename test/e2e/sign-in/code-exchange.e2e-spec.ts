import { formEncode } from '@app/oauth-core';
import { decodeJwt } from 'jose';
import { Browser } from '../../utils/browser';
import { createApplication } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';
import {
  authorizeUrl,
  createPublicApplication,
  exchangeCode,
  obtainCode,
  patchApplication,
  patchInstance,
  patchUser,
  pkce,
  readResponse,
  signInTokens,
  tokenRequest,
  userinfo,
  verifyAccessToken,
  type Setup,
  setupInstance,
} from './authorize.fixture';
import { CALLBACK, signIn } from './sign-in.fixture';

const BASE64URL_256 = /^[A-Za-z0-9_-]{43}$/;

/** RFC 6749 §4.1.3 / §10.5 and RFC 7636 §4.6 at the token endpoint, and the refresh tokens that follow. */
describe('sign-in: authorization code exchange', () => {
  let ts: TestServer;
  let setup: Setup;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    setup = await setupInstance(ts);
  });
  afterAll(() => ts.close());

  const refresh = (s: Pick<Setup, 'instance' | 'app'>, refreshToken: string, extra: Record<string, string> = {}) =>
    tokenRequest(ts, s.instance, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: s.app.clientId, client_secret: s.app.clientSecret, ...extra });

  function expectError(res: { status: number; body: Record<string, unknown>; headers: Record<string, unknown> }, status: number, error: string) {
    expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
    expect(typeof res.body.error_description).toBe('string');
    expect(res.headers['cache-control']).toBe('no-store');
  }

  it("without a scope parameter, the application's Scope is granted (RFC 6749 §3.3); with no Scope either, invalid_scope", async () => {
    const { code, verifier } = await obtainCode(ts, setup, { params: { scope: undefined } });
    const res = await exchangeCode(ts, setup.instance, setup.app, code, { verifier });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('read update');
    expect(decodeJwt(res.body.access_token).scope).toEqual(['read', 'update']);

    const bare = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK, Scope: '' });
    const refused = await new Browser(ts).get(authorizeUrl(ts, setup.instance, { client_id: bare.clientId, redirect_uri: CALLBACK, response_type: 'code', state: 's' }));
    expect(readResponse(refused).params).toMatchObject({ error: 'invalid_scope', state: 's' });
  });

  describe('single use (RFC 6749 §4.1.2, §10.5)', () => {
    it('a second use is invalid_grant and revokes the refresh and access tokens issued from the first', async () => {
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid profile offline_access' });
      const first = await exchangeCode(ts, setup.instance, setup.app, code, { verifier });
      expect(first.status).toBe(200);
      expect(first.body.refresh_token).toMatch(BASE64URL_256);
      expect((await userinfo(ts, setup.instance, first.body.access_token)).status).toBe(200);

      expectError(await exchangeCode(ts, setup.instance, setup.app, code, { verifier }), 400, 'invalid_grant');

      expectError(await refresh(setup, first.body.refresh_token), 400, 'invalid_grant');
      const info = await userinfo(ts, setup.instance, first.body.access_token);
      expect(info.status).toBe(401);
      expect(info.body.error).toBe('invalid_token');
      expect(info.headers['www-authenticate']).toMatch(/^Bearer realm="[^"]+", error="invalid_token"/);
    });

    it('a replay of a hybrid (code token) code also revokes the access token sent with the code', async () => {
      const { code, verifier, response } = await obtainCode(ts, setup, { scope: 'openid', params: { response_type: 'code token', response_mode: 'fragment' } });
      const frontChannel = response.params.access_token;
      expect(typeof frontChannel).toBe('string');
      expect((await exchangeCode(ts, setup.instance, setup.app, code, { verifier })).status).toBe(200);
      expect((await userinfo(ts, setup.instance, frontChannel)).status).toBe(200);
      expectError(await exchangeCode(ts, setup.instance, setup.app, code, { verifier }), 400, 'invalid_grant');
      expect((await userinfo(ts, setup.instance, frontChannel)).status).toBe(401);
    });

    it('a replay also revokes the tokens rotated from the first refresh token', async () => {
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid offline_access' });
      const first = await exchangeCode(ts, setup.instance, setup.app, code, { verifier });
      const rotated = await refresh(setup, first.body.refresh_token);
      expect(rotated.status).toBe(200);
      expectError(await exchangeCode(ts, setup.instance, setup.app, code, { verifier }), 400, 'invalid_grant');
      expectError(await refresh(setup, rotated.body.refresh_token), 400, 'invalid_grant');
    });

    it('two concurrent redemptions: exactly one wins', async () => {
      const { code, verifier } = await obtainCode(ts, setup);
      const results = await Promise.all([1, 2, 3].map(() => exchangeCode(ts, setup.instance, setup.app, code, { verifier })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
      for (const r of results.filter((x) => x.status === 400)) expect(r.body.error).toBe('invalid_grant');
    });

    it('an unknown or malformed code is invalid_grant; a missing code is invalid_request', async () => {
      expectError(await exchangeCode(ts, setup.instance, setup.app, 'A'.repeat(43)), 400, 'invalid_grant');
      expectError(await exchangeCode(ts, setup.instance, setup.app, 'not a code at all'), 400, 'invalid_grant');
      expectError(await exchangeCode(ts, setup.instance, setup.app, ''), 400, 'invalid_request');
    });
  });

  it('an expired code is invalid_grant (AuthorizationCodeLifetime 10 s)', async () => {
    const short = await setupInstance(ts);
    await patchInstance(ts, short.instance, { AuthorizationCodeLifetime: 10 }).expect(200);
    const fresh = await obtainCode(ts, short);
    expect((await exchangeCode(ts, short.instance, short.app, fresh.code, { verifier: fresh.verifier })).status).toBe(200);

    const { code, verifier } = await obtainCode(ts, short);
    await new Promise((r) => setTimeout(r, 11_000));
    const res = await exchangeCode(ts, short.instance, short.app, code, { verifier });
    expectError(res, 400, 'invalid_grant');
    expect(res.body.error_description).toMatch(/expired/);
  }, 30_000);

  describe('bound to its client and redirect_uri', () => {
    it("another application's valid credentials → invalid_grant", async () => {
      const other = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
      const { code, verifier } = await obtainCode(ts, setup);
      expectError(await exchangeCode(ts, setup.instance, other, code, { verifier }), 400, 'invalid_grant');
    });

    // The code is bound to its client before it is consumed: another application cannot burn it.
    it('a wrong client cannot burn the code: the right client can still redeem it', async () => {
      const other = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
      const { code, verifier } = await obtainCode(ts, setup);
      expectError(await exchangeCode(ts, setup.instance, other, code, { verifier }), 400, 'invalid_grant');
      expect((await exchangeCode(ts, setup.instance, setup.app, code, { verifier })).status).toBe(200);
    });

    // Nor can another application, by replaying a used code, revoke what the legitimate client got.
    it("another application replaying a used code does not revoke the legitimate client's tokens", async () => {
      const other = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
      const { code, verifier } = await obtainCode(ts, setup, { scope: 'openid offline_access' });
      const first = await exchangeCode(ts, setup.instance, setup.app, code, { verifier });
      expect(first.status).toBe(200);
      expectError(await exchangeCode(ts, setup.instance, other, code, { verifier }), 400, 'invalid_grant');
      expect((await userinfo(ts, setup.instance, first.body.access_token)).status).toBe(200);
      expect((await refresh(setup, first.body.refresh_token)).status).toBe(200);
    });

    it('the wrong secret, or no secret for a Confidential application → invalid_client', async () => {
      const { code, verifier } = await obtainCode(ts, setup);
      expectError(await exchangeCode(ts, setup.instance, setup.app, code, { verifier, secret: 'wrong' }), 401, 'invalid_client');
      expectError(await exchangeCode(ts, setup.instance, setup.app, code, { verifier, secret: null }), 401, 'invalid_client');
      // Client authentication failed before the code was looked at: it is still good.
      expect((await exchangeCode(ts, setup.instance, setup.app, code, { verifier })).status).toBe(200);
    });

    it('client_secret_basic works as well as client_secret_post', async () => {
      const { code, verifier } = await obtainCode(ts, setup);
      const basic = Buffer.from(`${formEncode(setup.app.clientId)}:${formEncode(setup.app.clientSecret)}`).toString('base64');
      const res = await tokenRequest(ts, setup.instance, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier }, { Authorization: `Basic ${basic}` });
      expect(res.status).toBe(200);
    });

    it('redirect_uri must be the one of the authorization request; missing → invalid_request', async () => {
      const two = await setupInstance(ts, { ImpersonateLoginUrl: `${CALLBACK},https://app.example.com/other-callback` });
      const first = await obtainCode(ts, two);
      expectError(await exchangeCode(ts, two.instance, two.app, first.code, { verifier: first.verifier, redirectUri: 'https://app.example.com/other-callback' }), 400, 'invalid_grant');
      const second = await obtainCode(ts, two);
      expectError(await exchangeCode(ts, two.instance, two.app, second.code, { verifier: second.verifier, redirectUri: CALLBACK + '/' }), 400, 'invalid_grant');
      const third = await obtainCode(ts, two);
      const missing = await tokenRequest(ts, two.instance, { grant_type: 'authorization_code', code: third.code, client_id: two.app.clientId, client_secret: two.app.clientSecret, code_verifier: third.verifier });
      expectError(missing, 400, 'invalid_request');
      const fourth = await obtainCode(ts, two, { redirectUri: 'https://app.example.com/other-callback' });
      expect((await exchangeCode(ts, two.instance, two.app, fourth.code, { verifier: fourth.verifier, redirectUri: 'https://app.example.com/other-callback' })).status).toBe(200);
    });

    it('an application disabled after the code was issued gets no token (invalid_client)', async () => {
      const s = await setupInstance(ts);
      const { code, verifier } = await obtainCode(ts, s);
      await patchApplication(ts, s.instance, s.app, { IsEnabled: false }).expect(200);
      expectError(await exchangeCode(ts, s.instance, s.app, code, { verifier }), 401, 'invalid_client');
    });

    it('a user deactivated after the code was issued gets no token (invalid_grant)', async () => {
      const s = await setupInstance(ts);
      const { code, verifier } = await obtainCode(ts, s);
      await patchUser(ts, s.instance, 'john.doe', { Active: false }).expect(200);
      expectError(await exchangeCode(ts, s.instance, s.app, code, { verifier }), 400, 'invalid_grant');
    });
  });

  describe('PKCE (RFC 7636 §4.6)', () => {
    it('a verifier that does not match the challenge → invalid_grant', async () => {
      const { code } = await obtainCode(ts, setup);
      expectError(await exchangeCode(ts, setup.instance, setup.app, code, { verifier: pkce().verifier }), 400, 'invalid_grant');
    });

    it('the challenge itself sent as the verifier (plain) → invalid_grant', async () => {
      const { code, challenge } = await obtainCode(ts, setup);
      expectError(await exchangeCode(ts, setup.instance, setup.app, code, { verifier: challenge! }), 400, 'invalid_grant');
    });

    it('a verifier without a challenge in the authorization request → invalid_grant', async () => {
      const { code } = await obtainCode(ts, setup, { challenge: null });
      expectError(await exchangeCode(ts, setup.instance, setup.app, code, { verifier: pkce().verifier }), 400, 'invalid_grant');
    });

    it('a challenge without a verifier at the token endpoint → invalid_grant', async () => {
      const { code } = await obtainCode(ts, setup);
      expectError(await exchangeCode(ts, setup.instance, setup.app, code), 400, 'invalid_grant');
    });

    it.each([
      ['too short (42 characters)', 42],
      ['too long (129 characters)', 129],
    ])('a verifier %s → invalid_grant', async (_name, length) => {
      const { verifier, challenge } = pkce(length);
      expect(verifier).toHaveLength(length);
      const { code } = await obtainCode(ts, setup, { challenge });
      expectError(await exchangeCode(ts, setup.instance, setup.app, code, { verifier }), 400, 'invalid_grant');
    });

    it.each([43, 128])('a verifier of %i characters (the limits) is accepted', async (length) => {
      const { verifier, challenge } = pkce(length);
      const { code } = await obtainCode(ts, setup, { challenge });
      expect((await exchangeCode(ts, setup.instance, setup.app, code, { verifier })).status).toBe(200);
    });

    it('a verifier with characters outside [A-Za-z0-9-._~] → invalid_grant', async () => {
      const verifier = 'a'.repeat(42) + '+';
      const { createHash } = await import('node:crypto');
      const { code } = await obtainCode(ts, setup, { challenge: createHash('sha256').update(verifier).digest('base64url') });
      expectError(await exchangeCode(ts, setup.instance, setup.app, code, { verifier }), 400, 'invalid_grant');
    });
  });

  describe('Public applications (no secret)', () => {
    it('with PKCE, the code is exchanged with only client_id, and no refresh token is issued', async () => {
      const app = await createPublicApplication(ts, setup.instance);
      const { code, verifier } = await obtainCode(ts, { instance: setup.instance, app }, { scope: 'openid profile offline_access' });
      const res = await exchangeCode(ts, setup.instance, app, code, { verifier, secret: null });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'openid profile', id_token: expect.any(String) });
      expect(res.body.refresh_token).toBeUndefined();
      const at = await verifyAccessToken(ts, setup.instance, res.body.access_token);
      expect(at).toMatchObject({ client_id: app.clientId, sub: 'john.doe', scope: ['openid', 'profile'] });
    });

    it('without the verifier → invalid_grant; with a client_secret → invalid_client; without client_id → invalid_client', async () => {
      const app = await createPublicApplication(ts, setup.instance);
      const one = await obtainCode(ts, { instance: setup.instance, app });
      expectError(await exchangeCode(ts, setup.instance, app, one.code, { secret: null }), 400, 'invalid_grant');
      const two = await obtainCode(ts, { instance: setup.instance, app });
      expectError(await exchangeCode(ts, setup.instance, app, two.code, { verifier: two.verifier, secret: 'anything' }), 401, 'invalid_client');
      const none = await tokenRequest(ts, setup.instance, { grant_type: 'authorization_code', code: two.code, redirect_uri: CALLBACK, code_verifier: two.verifier });
      expectError(none, 401, 'invalid_client');
    });

    it('cannot use the refresh_token grant', async () => {
      const app = await createPublicApplication(ts, setup.instance);
      const res = await tokenRequest(ts, setup.instance, { grant_type: 'refresh_token', refresh_token: 'A'.repeat(43), client_id: app.clientId });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(['invalid_client', 'unauthorized_client']).toContain(res.body.error);
    });
  });

  describe('refresh tokens', () => {
    it('only for a Confidential application granted offline_access', async () => {
      const without = await signInTokens(ts, setup, { scope: 'openid profile' });
      expect(without.body.refresh_token).toBeUndefined();
      const withOffline = await signInTokens(ts, setup, { scope: 'openid offline_access' });
      expect(withOffline.body.refresh_token).toMatch(BASE64URL_256);
      expect(withOffline.body.scope).toBe('openid offline_access');
      const refreshed = await refresh(setup, withOffline.body.refresh_token!);
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.refresh_token).toMatch(BASE64URL_256);
      expect(refreshed.body.refresh_token).not.toBe(withOffline.body.refresh_token);
    });

    it('refused once the user is deactivated (and still refused after reactivation)', async () => {
      const s = await setupInstance(ts);
      const { body } = await signInTokens(ts, s, { scope: 'openid offline_access' });
      await patchUser(ts, s.instance, 'john.doe', { Active: false }).expect(200);
      expectError(await refresh(s, body.refresh_token!), 400, 'invalid_grant');
      const info = await userinfo(ts, s.instance, body.access_token);
      expect(info.status).toBe(401);
      await patchUser(ts, s.instance, 'john.doe', { Active: true }).expect(200);
      expectError(await refresh(s, body.refresh_token!), 400, 'invalid_grant');
    });

    it('refused once the application is disabled (invalid_client)', async () => {
      const s = await setupInstance(ts);
      const { body } = await signInTokens(ts, s, { scope: 'openid offline_access' });
      await patchApplication(ts, s.instance, s.app, { IsEnabled: false }).expect(200);
      expectError(await refresh(s, body.refresh_token!), 401, 'invalid_client');
    });

    it('refused once the application no longer admits internal users (invalid_grant)', async () => {
      const s = await setupInstance(ts);
      const { body } = await signInTokens(ts, s, { scope: 'openid offline_access' });
      await patchApplication(ts, s.instance, s.app, { ImpersonateAsInternalUserAllowed: false }).expect(200);
      expectError(await refresh(s, body.refresh_token!), 400, 'invalid_grant');
    });

    it("bound to its client: another application's credentials → invalid_grant, and the token still works", async () => {
      const other = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
      const { body } = await signInTokens(ts, setup, { scope: 'openid offline_access' });
      expectError(await refresh({ instance: setup.instance, app: other }, body.refresh_token!), 400, 'invalid_grant');
      expect((await refresh(setup, body.refresh_token!)).status).toBe(200);
    });
  });

  describe('cross-tenant', () => {
    it("a code of instance A redeemed at instance B: A's client is unknown there (invalid_client)", async () => {
      const b = await setupInstance(ts);
      const { code, verifier } = await obtainCode(ts, setup);
      expectError(await exchangeCode(ts, b.instance, setup.app, code, { verifier }), 401, 'invalid_client');
      expect((await exchangeCode(ts, setup.instance, setup.app, code, { verifier })).status).toBe(200);
    });

    it('a code of instance A redeemed at B by a twin application (same client_id and secret) → invalid_grant', async () => {
      const b = await setupInstance(ts);
      const a = await setupInstance(ts);
      const { hashSecret } = await import('@app/oauth-core');
      await createApplication(ts, b.instance, { ApplicationUri: a.app.clientId, ApplicationSecretHash: hashSecret(a.app.clientSecret), ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
      const { code, verifier } = await obtainCode(ts, a);
      expectError(await exchangeCode(ts, b.instance, a.app, code, { verifier }), 400, 'invalid_grant');
      // Not burnt at its own instance.
      const ok = await exchangeCode(ts, a.instance, a.app, code, { verifier });
      expect(ok.status).toBe(200);

      // Nor does a refresh token or an access token of A work at B.
      const withRefresh = await signInTokens(ts, a, { scope: 'openid offline_access' });
      expectError(await refresh({ instance: b.instance, app: a.app }, withRefresh.body.refresh_token!), 400, 'invalid_grant');
      expect((await userinfo(ts, b.instance, ok.body.access_token)).status).toBe(401);
    });
  });

  describe('entropy of codes and tokens (at least 128 bits)', () => {
    it('codes and refresh tokens are 43 base64url characters (256 bits), access tokens have a 128-bit jti, all distinct', async () => {
      const browser = new Browser(ts);
      const codes = new Set<string>();
      const refreshTokens = new Set<string>();
      const jtis = new Set<string>();
      for (let i = 0; i < 8; i++) {
        const { code, verifier } = await obtainCode(ts, setup, { browser, scope: 'openid offline_access' });
        expect(code).toMatch(BASE64URL_256);
        codes.add(code);
        const res = await exchangeCode(ts, setup.instance, setup.app, code, { verifier });
        expect(res.body.refresh_token).toMatch(BASE64URL_256);
        refreshTokens.add(res.body.refresh_token);
        const { jti } = decodeJwt(res.body.access_token);
        expect(jti).toMatch(/^[0-9A-F]{32}$/);
        jtis.add(jti as string);
      }
      expect(codes.size).toBe(8);
      expect(refreshTokens.size).toBe(8);
      expect(jtis.size).toBe(8);
      // The bytes behind a code are not biased: 43 base64url characters of 8 codes use much of the alphabet.
      expect(new Set([...codes].join('')).size).toBeGreaterThan(40);
    });

    it('access tokens from the authorize endpoint carry a 128-bit jti as well', async () => {
      const browser = new Browser(ts);
      await signIn(browser, authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid' }));
      const response = readResponse(await browser.get(authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'token', scope: 'openid' })));
      expect(decodeJwt(response.params.access_token).jti).toMatch(/^[0-9A-F]{32}$/);
    });
  });
});
