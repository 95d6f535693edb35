import { Browser } from '../../utils/browser';
import { createApplication } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';
import {
  authorizeUrl,
  createPublicApplication,
  errorPageCode,
  isLoginRedirect,
  patchApplication,
  pkce,
  readResponse,
  type Params,
  type Setup,
  setupInstance,
} from './authorize.fixture';
import { CALLBACK, issuerOf, signIn } from './sign-in.fixture';

/**
 * The authorization endpoint's validation (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6): a request whose
 * client or redirect_uri cannot be trusted gets an error page; every other error goes back to the
 * redirect_uri with error, error_description, state and iss (RFC 9207), in the response mode.
 */
describe('sign-in: authorize endpoint errors', () => {
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

  const base = (): Params => ({ client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid', state: 'st-123', nonce: 'n-123' });
  const get = (params: Params, extra: [string, string][] = []) => new Browser(ts).get(authorizeUrl(ts, setup.instance, params, extra));

  /** Expects the error back at the redirect_uri, in `mode`, with exactly error, error_description, state and iss. */
  async function expectRedirectedError(params: Params, error: string, mode: 'query' | 'fragment' | 'form_post', extra: [string, string][] = []) {
    const res = await get(params, extra);
    const response = readResponse(res);
    expect({ mode: response.mode, target: response.target }).toEqual({ mode, target: params.redirect_uri });
    const expected: Record<string, unknown> = { error, error_description: expect.any(String), iss: issuer };
    if (params.state !== undefined) expected.state = params.state;
    expect(response.params).toEqual(expected);
    expect(res.headers['cache-control']).toBe('no-store');
    return response;
  }

  describe('client_id and redirect_uri that cannot be trusted: an error page, never a redirect', () => {
    it.each<[string, Params, number, string]>([
      ['missing client_id', { client_id: undefined }, 400, 'invalid_request'],
      ['empty client_id', { client_id: '' }, 400, 'invalid_request'],
      ['unknown client_id', { client_id: 'nobody.example.com' }, 401, 'invalid_client'],
      ['missing redirect_uri', { redirect_uri: undefined }, 400, 'invalid_request'],
      ['redirect_uri with a trailing slash', { redirect_uri: CALLBACK + '/' }, 400, 'invalid_request'],
      ['redirect_uri in another letter case (path)', { redirect_uri: 'https://app.example.com/Signin-Callback' }, 400, 'invalid_request'],
      ['redirect_uri in another letter case (host)', { redirect_uri: 'https://APP.example.com/signin-callback' }, 400, 'invalid_request'],
      ['redirect_uri with an extra query', { redirect_uri: CALLBACK + '?x=1' }, 400, 'invalid_request'],
      ['redirect_uri with an empty query', { redirect_uri: CALLBACK + '?' }, 400, 'invalid_request'],
      ['redirect_uri with a fragment', { redirect_uri: CALLBACK + '#x' }, 400, 'invalid_request'],
      ['a prefix of the redirect_uri', { redirect_uri: 'https://app.example.com/signin' }, 400, 'invalid_request'],
      ['the redirect_uri extended by a path', { redirect_uri: CALLBACK + '/evil' }, 400, 'invalid_request'],
      ['the redirect_uri extended by a suffix', { redirect_uri: CALLBACK + 'x' }, 400, 'invalid_request'],
      ['the redirect_uri on another host ending the same', { redirect_uri: 'https://evilapp.example.com/signin-callback' }, 400, 'invalid_request'],
      ['the redirect_uri with http instead of https', { redirect_uri: 'http://app.example.com/signin-callback' }, 400, 'invalid_request'],
      ['the redirect_uri with the default port spelled out', { redirect_uri: 'https://app.example.com:443/signin-callback' }, 400, 'invalid_request'],
      ['the redirect_uri percent-encoded differently', { redirect_uri: 'https://app.example.com/signin%2Dcallback' }, 400, 'invalid_request'],
      ['the redirect_uri with userinfo', { redirect_uri: 'https://evil@app.example.com/signin-callback' }, 400, 'invalid_request'],
      ['the redirect_uri with surrounding spaces', { redirect_uri: ` ${CALLBACK} ` }, 400, 'invalid_request'],
      ['a javascript: redirect_uri', { redirect_uri: 'javascript:alert(1)' }, 400, 'invalid_request'],
    ])('%s %j → %i %s', async (_name, change, status, error) => {
      const res = await get({ ...base(), ...change });
      expect(res.status).toBe(status);
      expect(errorPageCode(res)).toBe(error);
      expect(res.text).not.toContain('st-123');
    });

    it('client_id is compared exactly (another letter case is unknown)', async () => {
      const res = await get({ ...base(), client_id: setup.app.clientId.toUpperCase() });
      expect(res.status).toBe(401);
      expect(errorPageCode(res)).toBe('invalid_client');
    });

    it('even when the request has other errors too (the redirect_uri is checked first)', async () => {
      const res = await get({ ...base(), redirect_uri: CALLBACK + '/', response_type: 'bogus', scope: 'admin', prompt: 'none' });
      expect(res.status).toBe(400);
      expect(errorPageCode(res)).toBe('invalid_request');
    });

    it('a client_id sent twice cannot be trusted', async () => {
      const res = await get(base(), [['client_id', setup.app.clientId]]);
      expect(res.status).toBe(400);
      expect(errorPageCode(res)).toBe('invalid_request');
    });

    it('a redirect_uri sent twice cannot be trusted', async () => {
      const res = await get(base(), [['redirect_uri', CALLBACK]]);
      expect(res.status).toBe(400);
      expect(errorPageCode(res)).toBe('invalid_request');
    });

    it('a disabled application (IsEnabled false at creation) → 401 invalid_client', async () => {
      const disabled = await createApplication(ts, setup.instance, { IsEnabled: false, ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
      const res = await get({ ...base(), client_id: disabled.clientId });
      expect(res.status).toBe(401);
      expect(errorPageCode(res)).toBe('invalid_client');
    });

    it('an application disabled through the admin API is refused at once', async () => {
      const app = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
      expect(isLoginRedirect(await get({ ...base(), client_id: app.clientId }))).toBe(true);
      await patchApplication(ts, setup.instance, app, { IsEnabled: false }).expect(200);
      const res = await get({ ...base(), client_id: app.clientId });
      expect(res.status).toBe(401);
      expect(errorPageCode(res)).toBe('invalid_client');
      await patchApplication(ts, setup.instance, app, { IsEnabled: true }).expect(200);
      expect(isLoginRedirect(await get({ ...base(), client_id: app.clientId }))).toBe(true);
    });

    it('a deleted application is refused at once', async () => {
      const app = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
      expect(isLoginRedirect(await get({ ...base(), client_id: app.clientId }))).toBe(true);
      const { auth } = await import('../../utils/fixtures');
      await ts.http().delete(`/admin/v1/instances/${setup.instance.name}/trusted-applications/${app.clientId}`).set(auth).expect(204);
      const res = await get({ ...base(), client_id: app.clientId });
      expect(res.status).toBe(401);
      expect(errorPageCode(res)).toBe('invalid_client');
    });

    it("another application's redirect_uri is refused", async () => {
      const other = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: 'https://other.example.com/cb' });
      const res = await get({ ...base(), redirect_uri: 'https://other.example.com/cb' });
      expect(res.status).toBe(400);
      expect(errorPageCode(res)).toBe('invalid_request');
      expect(isLoginRedirect(await get({ ...base(), client_id: other.clientId, redirect_uri: 'https://other.example.com/cb' }))).toBe(true);
    });

    it('cross-tenant: the client_id of another instance is unknown here', async () => {
      const other = await setupInstance(ts);
      const res = await get({ ...base(), client_id: other.app.clientId });
      expect(res.status).toBe(401);
      expect(errorPageCode(res)).toBe('invalid_client');
      // The same client_id registered in two instances: each instance knows only its own.
      const twinId = `twin-${Date.now()}.example.com`;
      await createApplication(ts, other.instance, { ApplicationUri: twinId, ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: 'https://twin.example.com/cb' });
      await createApplication(ts, setup.instance, { ApplicationUri: twinId, ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
      const wrong = await get({ ...base(), client_id: twinId, redirect_uri: 'https://twin.example.com/cb' });
      expect(wrong.status).toBe(400);
      expect(errorPageCode(wrong)).toBe('invalid_request');
    });

    it('every entry of a comma-separated ImpersonateLoginUrl is accepted exactly', async () => {
      const app = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: 'https://a.example.com/cb,https://b.example.com/cb?tenant=1' });
      for (const uri of ['https://a.example.com/cb', 'https://b.example.com/cb?tenant=1']) {
        expect(isLoginRedirect(await get({ ...base(), client_id: app.clientId, redirect_uri: uri }))).toBe(true);
      }
      for (const uri of ['https://a.example.com/cb,https://b.example.com/cb?tenant=1', 'https://b.example.com/cb', 'https://b.example.com/cb?tenant=1&x=2', 'https://b.example.com/cb?tenant=2']) {
        const res = await get({ ...base(), client_id: app.clientId, redirect_uri: uri });
        expect(res.status).toBe(400);
        expect(errorPageCode(res)).toBe('invalid_request');
      }
    });

    it('a registered redirect_uri with a query keeps it when an error is sent back', async () => {
      const app = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: 'https://b.example.com/cb?tenant=1' });
      const res = await get({ ...base(), client_id: app.clientId, redirect_uri: 'https://b.example.com/cb?tenant=1', scope: 'openid admin' });
      expect(res.status).toBe(302);
      const u = new URL(res.location!);
      expect(`${u.origin}${u.pathname}`).toBe('https://b.example.com/cb');
      expect(Object.fromEntries(u.searchParams)).toEqual({ tenant: '1', error: 'invalid_scope', error_description: expect.any(String), state: 'st-123', iss: issuer });
    });
  });

  describe('errors sent back to the redirect_uri', () => {
    it('unsupported_response_type for an unknown or repeated response type', async () => {
      for (const response_type of ['bogus', 'code code', 'none', 'code bogus', 'token id_token code x', 'CODE']) {
        const res = await get({ ...base(), response_type });
        expect(res.status).toBe(302);
        expect(res.location!.startsWith(CALLBACK)).toBe(true);
        expect(readResponse(res).params).toEqual({ error: 'unsupported_response_type', error_description: expect.any(String), state: 'st-123', iss: issuer });
      }
    });

    it('a missing response_type is invalid_request', async () => {
      const res = await get({ ...base(), response_type: undefined });
      expect(res.status).toBe(302);
      expect(readResponse(res).params).toMatchObject({ error: 'invalid_request', state: 'st-123', iss: issuer });
    });

    it('the response types are accepted in any order', async () => {
      for (const response_type of ['id_token code', 'token id_token', 'token id_token code', 'token code']) {
        expect(isLoginRedirect(await get({ ...base(), response_type }))).toBe(true);
      }
    });

    it('invalid_scope for a scope outside the application Scope', async () => {
      await expectRedirectedError({ ...base(), scope: 'openid admin' }, 'invalid_scope', 'query');
      await expectRedirectedError({ ...base(), scope: 'openid read sec' }, 'invalid_scope', 'query');
      await expectRedirectedError({ ...base(), scope: 'openid READ' }, 'invalid_scope', 'query');
      await expectRedirectedError({ ...base(), response_type: 'code id_token', scope: 'openid admin' }, 'invalid_scope', 'fragment');
    });

    it('openid, profile, email and offline_access are allowed for an application without any Scope', async () => {
      const app = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK, Scope: '' });
      expect(isLoginRedirect(await get({ ...base(), client_id: app.clientId, scope: 'openid profile email offline_access' }))).toBe(true);
      expect(isLoginRedirect(await get({ ...base(), scope: 'openid profile email offline_access read update' }))).toBe(true);
      await expectRedirectedError({ ...base(), client_id: app.clientId, scope: 'openid read' }, 'invalid_scope', 'query');
    });

    it('an id_token without the openid scope is invalid_request', async () => {
      for (const response_type of ['id_token', 'id_token token', 'code id_token', 'code id_token token']) {
        await expectRedirectedError({ ...base(), response_type, scope: 'profile email' }, 'invalid_request', 'fragment');
      }
    });

    it('nonce is required for every response type that returns an id_token from the authorize endpoint', async () => {
      for (const response_type of ['id_token', 'id_token token', 'code id_token', 'code id_token token']) {
        const response = await expectRedirectedError({ ...base(), response_type, nonce: undefined }, 'invalid_request', 'fragment');
        expect(response.params.error_description).toContain('nonce');
      }
      await expectRedirectedError({ ...base(), response_type: 'code id_token', response_mode: 'form_post', nonce: undefined }, 'invalid_request', 'form_post');
      await expectRedirectedError({ ...base(), response_type: 'id_token', nonce: '' }, 'invalid_request', 'fragment');
    });

    it('nonce is required for code token with openid (a hybrid flow: OIDC Core §3.3.2.11), not for code or token', async () => {
      const response = await expectRedirectedError({ ...base(), response_type: 'code token', nonce: undefined }, 'invalid_request', 'fragment');
      expect(response.params.error_description).toContain('nonce');
      for (const response_type of ['code', 'token']) {
        expect(isLoginRedirect(await get({ ...base(), response_type, nonce: undefined }))).toBe(true);
      }
      // Without openid, code token is plain OAuth: no ID token, so no nonce.
      expect(isLoginRedirect(await get({ ...base(), response_type: 'code token', scope: 'read', nonce: undefined }))).toBe(true);
    });

    it('response_mode=query with a response type that returns tokens: invalid_request, sent in the fragment', async () => {
      for (const response_type of ['token', 'id_token', 'id_token token', 'code token', 'code id_token', 'code id_token token']) {
        const res = await get({ ...base(), response_type, response_mode: 'query' });
        expect(res.status).toBe(302);
        expect(res.location!.startsWith(CALLBACK + '#')).toBe(true);
        expect(readResponse(res)).toEqual({ mode: 'fragment', target: CALLBACK, params: { error: 'invalid_request', error_description: expect.any(String), state: 'st-123', iss: issuer } });
      }
    });

    it('an unknown response_mode is invalid_request', async () => {
      await expectRedirectedError({ ...base(), response_mode: 'web_message' }, 'invalid_request', 'query');
      await expectRedirectedError({ ...base(), response_type: 'code id_token', response_mode: 'jwt' }, 'invalid_request', 'fragment');
    });

    it('request → request_not_supported, request_uri → request_uri_not_supported', async () => {
      await expectRedirectedError({ ...base(), request: 'eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.' }, 'request_not_supported', 'query');
      await expectRedirectedError({ ...base(), request_uri: 'https://app.example.com/request.jwt' }, 'request_uri_not_supported', 'query');
      // A pushed request's URN names no request here: invalid_request_uri (pushed-authorization.e2e-spec.ts).
      // Sent empty, they are as if not sent (RFC 6749 §3.1).
      expect(isLoginRedirect(await get({ ...base(), request: '', request_uri: '' }))).toBe(true);
    });

    it('a repeated parameter is invalid_request', async () => {
      for (const name of ['scope', 'response_type', 'nonce', 'prompt', 'code_challenge', 'foo']) {
        const value = name === 'response_type' ? 'code' : name === 'scope' ? 'openid' : name === 'prompt' ? 'login' : 'x';
        const res = await get(base(), [[name, value], [name, value]]);
        expect(res.status).toBe(302);
        expect(readResponse(res).params).toEqual({ error: 'invalid_request', error_description: expect.stringContaining(name), state: 'st-123', iss: issuer });
      }
    });

    it('prompt=none with another value is invalid_request; an unknown prompt value is invalid_request', async () => {
      await expectRedirectedError({ ...base(), prompt: 'none login' }, 'invalid_request', 'query');
      await expectRedirectedError({ ...base(), prompt: 'login none' }, 'invalid_request', 'query');
      await expectRedirectedError({ ...base(), prompt: 'none consent' }, 'invalid_request', 'query');
      await expectRedirectedError({ ...base(), prompt: 'sometimes' }, 'invalid_request', 'query');
    });

    it('accepted prompt values', async () => {
      for (const prompt of ['login', 'consent', 'select_account', 'login consent']) expect(isLoginRedirect(await get({ ...base(), prompt }))).toBe(true);
      const none = await get({ ...base(), prompt: 'none' });
      expect(readResponse(none).params).toMatchObject({ error: 'login_required', state: 'st-123', iss: issuer });
    });

    it('an essential acr with values cannot be met (no class is defined): access_denied, as a failed authentication (OIDC Core §5.5.1.1)', async () => {
      for (const acr of [{ essential: true, values: ['urn:mace:incommon:iap:silver'] }, { essential: true, value: 'loa-3' }]) {
        await expectRedirectedError({ ...base(), claims: JSON.stringify({ id_token: { acr } }) }, 'access_denied', 'query');
      }
      // Voluntary, or essential without values: nothing to meet.
      for (const acr of [{ values: ['loa-3'] }, { essential: true }, null]) {
        expect(isLoginRedirect(await get({ ...base(), claims: JSON.stringify({ id_token: { acr } }) }))).toBe(true);
      }
    });

    it('a bad max_age is invalid_request', async () => {
      for (const max_age of ['-1', 'abc', '1.5', '1e3', ' 10', '0x10', '99999999999']) {
        await expectRedirectedError({ ...base(), max_age }, 'invalid_request', 'query');
      }
      for (const max_age of ['0', '3600']) expect(isLoginRedirect(await get({ ...base(), max_age }))).toBe(true);
    });

    it('a malformed claims parameter is invalid_request', async () => {
      for (const claims of ['{', 'null', '[]', '"userinfo"', '42', '{"userinfo":[]}', '{"id_token":"name"}', '{"userinfo":1}']) {
        await expectRedirectedError({ ...base(), claims }, 'invalid_request', 'query');
      }
      for (const claims of ['{}', '{"userinfo":{"email":{"essential":true}}}', '{"id_token":{"name":null},"userinfo":null}']) {
        expect(isLoginRedirect(await get({ ...base(), claims }))).toBe(true);
      }
    });

    describe('PKCE (RFC 7636)', () => {
      const { challenge } = pkce();

      it('code_challenge_method plain → invalid_request', async () => {
        await expectRedirectedError({ ...base(), code_challenge: challenge, code_challenge_method: 'plain' }, 'invalid_request', 'query');
      });

      it('a code_challenge without a method (plain by default) → invalid_request', async () => {
        await expectRedirectedError({ ...base(), code_challenge: challenge }, 'invalid_request', 'query');
      });

      it('an unknown or mis-cased method → invalid_request', async () => {
        await expectRedirectedError({ ...base(), code_challenge: challenge, code_challenge_method: 's256' }, 'invalid_request', 'query');
        await expectRedirectedError({ ...base(), code_challenge: challenge, code_challenge_method: 'S512' }, 'invalid_request', 'query');
      });

      it('a method without a challenge → invalid_request', async () => {
        await expectRedirectedError({ ...base(), code_challenge_method: 'S256' }, 'invalid_request', 'query');
      });

      it.each([
        ['too short (42)', challenge.slice(0, 42)],
        ['too long (44)', challenge + 'A'],
        ['a 128-character verifier sent as the challenge', 'a'.repeat(128)],
        ['with base64 padding', challenge.slice(0, 42) + '='],
        ['with + and / (base64, not base64url)', challenge.slice(0, 41) + '+/'],
        ['with a dot', challenge.slice(0, 42) + '.'],
      ])('a malformed challenge, %s → invalid_request', async (_name, code_challenge) => {
        await expectRedirectedError({ ...base(), code_challenge, code_challenge_method: 'S256' }, 'invalid_request', 'query');
      });

      it('a Public application without PKCE → invalid_request; with S256 it may sign in', async () => {
        const app = await createPublicApplication(ts, setup.instance);
        await expectRedirectedError({ ...base(), client_id: app.clientId }, 'invalid_request', 'query');
        await expectRedirectedError({ ...base(), client_id: app.clientId, response_type: 'code id_token' }, 'invalid_request', 'fragment');
        expect(isLoginRedirect(await get({ ...base(), client_id: app.clientId, code_challenge: challenge, code_challenge_method: 'S256' }))).toBe(true);
      });

      it('a Confidential application may leave PKCE out', async () => {
        expect(isLoginRedirect(await get(base()))).toBe(true);
      });
    });

    it('errors follow the requested response mode: fragment and form_post', async () => {
      await expectRedirectedError({ ...base(), scope: 'openid admin', response_mode: 'fragment' }, 'invalid_scope', 'fragment');
      const page = await get({ ...base(), scope: 'openid admin', response_mode: 'form_post' });
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(readResponse(page)).toEqual({ mode: 'form_post', target: CALLBACK, params: { error: 'invalid_scope', error_description: expect.any(String), state: 'st-123', iss: issuer } });
      await expectRedirectedError({ ...base(), response_type: 'id_token', nonce: undefined, response_mode: 'form_post' }, 'invalid_request', 'form_post');
      await expectRedirectedError({ ...base(), response_type: 'code token', scope: 'openid admin', response_mode: 'form_post' }, 'invalid_scope', 'form_post');
    });

    it('errors default to query for code and to the fragment for anything that returns tokens', async () => {
      await expectRedirectedError({ ...base(), scope: 'openid admin' }, 'invalid_scope', 'query');
      for (const response_type of ['token', 'id_token', 'id_token token', 'code token', 'code id_token', 'code id_token token']) {
        await expectRedirectedError({ ...base(), response_type, scope: 'openid admin' }, 'invalid_scope', 'fragment');
      }
    });

    it('a response_type with stray spaces defaults to the mode of its parts (code → query)', async () => {
      await expectRedirectedError({ ...base(), response_type: 'code ', scope: 'openid admin' }, 'invalid_scope', 'query');
      await expectRedirectedError({ ...base(), response_type: ' code', scope: 'openid admin' }, 'invalid_scope', 'query');
      await expectRedirectedError({ ...base(), response_type: 'code  id_token', scope: 'openid admin' }, 'invalid_scope', 'fragment');
    });

    it('markup in an error description is escaped on the form_post page', async () => {
      const res = await get({ ...base(), response_type: '<script>alert(1)</script>', response_mode: 'form_post' });
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('<script>alert(1)</script>');
      expect(readResponse(res).params).toMatchObject({ error: 'unsupported_response_type', error_description: expect.stringContaining('<script>alert(1)</script>') });
    });

    it('without state, the error carries no state but still carries iss', async () => {
      await expectRedirectedError({ ...base(), state: undefined, scope: 'openid admin' }, 'invalid_scope', 'query');
    });

    it('state with special characters comes back unchanged in every mode', async () => {
      const state = 'a b&c=d"<>\'#?é/+%';
      for (const [mode, response_type] of [['query', 'code'], ['fragment', 'code'], ['form_post', 'code'], ['fragment', 'id_token'], ['form_post', 'id_token']] as const) {
        const response = await expectRedirectedError({ ...base(), state, response_type, response_mode: mode, scope: 'openid admin' }, 'invalid_scope', mode);
        expect(response.params.state).toBe(state);
      }
    });

    it("cross-tenant: the redirect_uri of another instance's application is not this application's", async () => {
      await setupInstance(ts, { ImpersonateLoginUrl: 'https://other-tenant.example.com/cb' });
      const res = await get({ ...base(), redirect_uri: 'https://other-tenant.example.com/cb' });
      expect(res.status).toBe(400);
      expect(errorPageCode(res)).toBe('invalid_request');
    });
  });

  describe('accepted and ignored parameters', () => {
    it('unknown parameters are ignored; display, acr_values, claims_locales, login_hint and ui_locales are accepted', async () => {
      const browser = new Browser(ts);
      const url = authorizeUrl(ts, setup.instance, {
        ...base(),
        foo: 'bar',
        'x-custom': '1',
        display: 'popup',
        acr_values: 'urn:mace:incommon:iap:silver',
        claims_locales: 'bg en',
        ui_locales: 'en',
        login_hint: 'john.doe',
        id_token_hint: undefined,
        resource: undefined,
      });
      const first = await browser.get(url);
      expect(isLoginRedirect(first)).toBe(true);
      const page = await browser.get(first.location!);
      expect(page.status).toBe(200);
      expect(page.text).toContain('value="john.doe"');
      const done = await signIn(browser, url);
      const response = readResponse(done);
      expect(response.mode).toBe('query');
      expect(response.params).toEqual({ code: expect.any(String), state: 'st-123', iss: issuer });
    });

    it.each(['page', 'popup', 'touch', 'wap'])('display=%s is accepted', async (display) => {
      expect(isLoginRedirect(await get({ ...base(), display }))).toBe(true);
    });
  });

  describe('POST /id/connect/authorize works like GET', () => {
    const post = (browser: Browser, form: Params) => {
      const body: Record<string, string> = {};
      for (const [k, v] of Object.entries(form)) if (v !== undefined) body[k] = v;
      return browser.post(`${issuer}/connect/authorize`, body);
    };

    it('a valid request goes to the sign-in page and ends with a code', async () => {
      const browser = new Browser(ts);
      const first = await post(browser, base());
      expect(isLoginRedirect(first)).toBe(true);
      const { parseForm } = await import('../../utils/browser');
      const page = await browser.get(first.location!);
      const { action, fields } = parseForm(page.text);
      const done = await browser.post(action, { ...fields, username: 'john.doe', password: 'correct horse battery' });
      expect(readResponse(done).params).toEqual({ code: expect.any(String), state: 'st-123', iss: issuer });
      // With the session, a POST answers at once.
      const again = await post(browser, { ...base(), response_type: 'code id_token', response_mode: 'form_post' });
      const response = readResponse(again);
      expect(response.mode).toBe('form_post');
      expect(Object.keys(response.params).sort()).toEqual(['code', 'id_token', 'iss', 'state']);
    });

    it('errors are the same as for GET', async () => {
      const browser = new Browser(ts);
      const bad = await post(browser, { ...base(), client_id: 'nobody.example.com' });
      expect(bad.status).toBe(401);
      expect(errorPageCode(bad)).toBe('invalid_client');
      const badUri = await post(browser, { ...base(), redirect_uri: CALLBACK + '/' });
      expect(badUri.status).toBe(400);
      expect(errorPageCode(badUri)).toBe('invalid_request');
      const scope = await post(browser, { ...base(), scope: 'openid admin' });
      expect(readResponse(scope).params).toEqual({ error: 'invalid_scope', error_description: expect.any(String), state: 'st-123', iss: issuer });
      const nonce = await post(browser, { ...base(), response_type: 'id_token', nonce: undefined });
      expect(readResponse(nonce)).toMatchObject({ mode: 'fragment', params: { error: 'invalid_request', state: 'st-123', iss: issuer } });
      const request = await post(browser, { ...base(), request: 'x.y.z' });
      expect(readResponse(request).params).toMatchObject({ error: 'request_not_supported' });
    });

    it('a parameter repeated in the form body is invalid_request', async () => {
      const res = await ts
        .http()
        .post('/id/connect/authorize')
        .set('Host', `${setup.instance.host}:${ts.port}`)
        .type('form')
        .send(new URLSearchParams([...Object.entries(base()) as [string, string][], ['scope', 'openid']]).toString());
      expect(res.status).toBe(302);
      expect(readResponse({ status: res.status, headers: res.headers, text: res.text, location: res.headers.location }).params).toEqual({
        error: 'invalid_request',
        error_description: expect.stringContaining('scope'),
        state: 'st-123',
        iss: issuer,
      });
    });
  });
});
