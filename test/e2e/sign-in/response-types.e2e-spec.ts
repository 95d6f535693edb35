import { createHash, randomBytes } from 'node:crypto';
import { generators } from 'openid-client';
import { Browser, parseForm } from '../../utils/browser';
import { createApplication, createInstance, createUser } from '../../utils/fixtures';
import { rpClient } from '../../utils/oidc';
import { startTestServer, type TestServer } from '../../utils/test-server';
import {
  authorizeUrl,
  exchangeCode,
  leftHalf,
  random,
  readResponse,
  tokenRequest,
  verifyAccessToken,
  verifyIdToken,
  type AuthorizationResponse,
  type Setup,
  relaxRateLimits,
  setupInstance,
} from './authorize.fixture';
import { CALLBACK, issuerOf, PASSWORD, signIn } from './sign-in.fixture';

const RESPONSE_TYPES = ['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token', 'token'] as const;
const MODES = [undefined, 'query', 'fragment', 'form_post'] as const;
const BASE64URL_256 = /^[A-Za-z0-9_-]{43}$/;

/**
 * Every response type in every response mode (OAuth 2.0 Multiple Response Type Encoding Practices,
 * Form Post Response Mode, OIDC Core §3.2 and §3.3), with the ID token hashes of §3.3.2.11.
 */
describe('sign-in: response types and response modes', () => {
  let ts: TestServer;
  let setup: Setup;
  let issuer: string;
  /** Signed in once; every request below is answered at once from this session. */
  let browser: Browser;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    setup = await setupInstance(ts);
    issuer = issuerOf(ts, setup.instance);
    browser = new Browser(ts);
    const first = await signIn(browser, authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid' }));
    expect(readResponse(first).params.code).toBeDefined();
  });
  afterAll(() => ts.close());

  const cases = RESPONSE_TYPES.flatMap((rt) => MODES.map((mode) => [rt, mode ?? '(default)'] as const)).filter(
    ([rt, mode]) => !(mode === 'query' && rt !== 'code'), // refused; see authorize-errors
  );

  it.each(cases)('%s via %s', async (responseType, modeName) => {
    const mode = modeName === '(default)' ? undefined : modeName;
    const parts = new Set(responseType.split(' '));
    const state = random();
    const nonce = random();
    const res = await browser.get(
      authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: responseType, response_mode: mode, scope: 'openid profile', state, nonce }),
    );
    const response = readResponse(res);
    expect(res.headers['cache-control']).toBe('no-store');

    // Default mode: query for code alone, fragment for anything that returns a token.
    expect(response.mode).toBe(mode ?? (responseType === 'code' ? 'query' : 'fragment'));
    expect(response.target).toBe(CALLBACK);
    const keys = ['iss', 'state'];
    if (parts.has('code')) keys.push('code');
    if (parts.has('token')) keys.push('access_token', 'token_type', 'expires_in', 'scope');
    if (parts.has('id_token')) keys.push('id_token');
    expect(Object.keys(response.params).sort()).toEqual(keys.sort());
    expect(response.params.iss).toBe(issuer);
    expect(response.params.state).toBe(state);

    const { code, access_token: accessToken, id_token: idToken } = response.params;
    if (code) expect(code).toMatch(BASE64URL_256);
    if (accessToken) {
      expect(response.params).toMatchObject({ token_type: 'Bearer', expires_in: '3600', scope: 'openid profile' });
      const at = await verifyAccessToken(ts, setup.instance, accessToken, 'DomainAPI');
      expect(at).toMatchObject({ iss: issuer, client_id: setup.app.clientId, sub: 'john.doe', scope: ['openid', 'profile'], user_type: 'InternalUser' });
      expect(at.nonce).toBeUndefined();
    }
    if (idToken) {
      const claims = await verifyIdToken(ts, setup.instance, idToken, setup.app.clientId);
      expect(claims).toMatchObject({ iss: issuer, aud: setup.app.clientId, sub: 'john.doe', nonce, amr: ['pwd'], idp: 'local', name: 'John Doe', preferred_username: 'john.doe' });
      expect(typeof claims.sid).toBe('string');
      expect(typeof claims.auth_time).toBe('number');
      expect(claims.at_hash).toBe(accessToken ? leftHalf(accessToken) : undefined);
      expect(claims.c_hash).toBe(code ? leftHalf(code) : undefined);
      expect(claims.s_hash).toBe(leftHalf(state));
      expect(claims.email).toBeUndefined();
    }

    if (code) {
      // The code of every flow is redeemed at the token endpoint; its ID token repeats the nonce.
      const tokens = await exchangeCode(ts, setup.instance, setup.app, code);
      expect(tokens.status).toBe(200);
      expect(tokens.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'openid profile', id_token: expect.any(String) });
      const fromToken = await verifyIdToken(ts, setup.instance, tokens.body.id_token, setup.app.clientId);
      expect(fromToken).toMatchObject({ nonce, sub: 'john.doe', at_hash: leftHalf(tokens.body.access_token) });
      expect(fromToken.c_hash).toBeUndefined();
      if (idToken) {
        const fromAuthorize = await verifyIdToken(ts, setup.instance, idToken, setup.app.clientId);
        expect(fromToken.sid).toBe(fromAuthorize.sid);
        expect(fromToken.auth_time).toBe(fromAuthorize.auth_time);
      }
    }
  });

  it('without state: no state in the response and no s_hash in the ID token, but iss all the same', async () => {
    for (const responseType of ['id_token', 'code id_token', 'id_token token', 'code id_token token', 'code', 'token']) {
      const nonce = random();
      const response = readResponse(
        await browser.get(authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: responseType, scope: 'openid', nonce })),
      );
      expect(response.params.state).toBeUndefined();
      expect(response.params.iss).toBe(issuer);
      if (response.params.id_token) {
        const claims = await verifyIdToken(ts, setup.instance, response.params.id_token, setup.app.clientId);
        expect(claims.s_hash).toBeUndefined();
        expect(claims.nonce).toBe(nonce);
      }
    }
  });

  it('token (OAuth 2.0 implicit): an access token only, even when openid is asked for', async () => {
    for (const scope of ['read', 'openid read']) {
      const response = readResponse(await browser.get(authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'token', scope, state: 's' })));
      expect(response.mode).toBe('fragment');
      expect(response.params).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: '3600', scope, state: 's', iss: issuer });
      const at = await verifyAccessToken(ts, setup.instance, response.params.access_token);
      expect(at.scope).toEqual(scope.split(' '));
    }
  });

  it('the authorize endpoint never returns a refresh token; offline_access only counts where a code is issued', async () => {
    const implicit = readResponse(
      await browser.get(authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'id_token token', scope: 'openid offline_access', nonce: 'n', state: 's' })),
    );
    expect(implicit.params.refresh_token).toBeUndefined();
    expect(implicit.params.scope).toBe('openid');
    const hybrid = readResponse(
      await browser.get(authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'code token', scope: 'openid offline_access', nonce: 'n', state: 's' })),
    );
    expect(hybrid.params.refresh_token).toBeUndefined();
    const tokens = await exchangeCode(ts, setup.instance, setup.app, hybrid.params.code);
    expect(tokens.body.refresh_token).toMatch(BASE64URL_256);
  });

  it('the form_post page: an auto-submitting POST form of hidden inputs to the redirect_uri, never cached or framed', async () => {
    const res = await browser.get(
      authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'code id_token', response_mode: 'form_post', scope: 'openid', state: 's"<&>', nonce: 'n' }),
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.text).toMatch(/<form method="post" action="https:\/\/app\.example\.com\/signin-callback"/);
    expect(res.text).not.toContain('s"<&>');
    const hidden = [...res.text.matchAll(/<input type="hidden" name="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(hidden).toEqual(['code', 'id_token', 'iss', 'state']);
    expect(parseForm(res.text).fields.state).toBe('s"<&>');
  });

  it('the first sign-in answers in the requested mode as well (form_post after the sign-in page)', async () => {
    const fresh = new Browser(ts);
    const state = random();
    const res = await signIn(fresh, authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'id_token token', response_mode: 'form_post', scope: 'openid', state, nonce: 'n1' }));
    const response = readResponse(res);
    expect(response.mode).toBe('form_post');
    expect(response.params).toMatchObject({ state, iss: issuer, token_type: 'Bearer' });
    const claims = await verifyIdToken(ts, setup.instance, response.params.id_token, setup.app.clientId);
    expect(claims).toMatchObject({ nonce: 'n1', at_hash: leftHalf(response.params.access_token), s_hash: leftHalf(state) });
  });

  describe('checked by openid-client', () => {
    const rp = (responseType: string) =>
      rpClient(ts, setup.instance.host, { client_id: setup.app.clientId, client_secret: setup.app.clientSecret, redirect_uris: [CALLBACK], response_types: [responseType] });

    /** The response parameters as the RP receives them (redirect or form_post). */
    const paramsOf = (response: AuthorizationResponse) => response.params;

    it('hybrid code id_token via form_post, with PKCE: callback() validates c_hash, s_hash, nonce, iss and redeems the code', async () => {
      const client = await rp('code id_token');
      const verifier = generators.codeVerifier();
      const state = generators.state();
      const nonce = generators.nonce();
      const url = client.authorizationUrl({ response_type: 'code id_token', response_mode: 'form_post', scope: 'openid profile', state, nonce, code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256' });
      const response = readResponse(await signIn(new Browser(ts), url));
      expect(response.mode).toBe('form_post');
      const tokens = await client.callback(CALLBACK, paramsOf(response), { state, nonce, code_verifier: verifier, response_type: 'code id_token' });
      expect(tokens.access_token).toBeDefined();
      expect(tokens.claims()).toMatchObject({ sub: 'john.doe', nonce, name: 'John Doe' });
      expect(await client.userinfo(tokens.access_token!)).toMatchObject({ sub: 'john.doe', name: 'John Doe' });
    });

    it('hybrid code id_token in the fragment (its default mode)', async () => {
      const client = await rp('code id_token');
      const state = generators.state();
      const nonce = generators.nonce();
      const response = readResponse(await browser.get(client.authorizationUrl({ response_type: 'code id_token', scope: 'openid', state, nonce })));
      expect(response.mode).toBe('fragment');
      const tokens = await client.callback(CALLBACK, paramsOf(response), { state, nonce, response_type: 'code id_token' });
      expect(tokens.claims().sub).toBe('john.doe');
    });

    it('hybrid code id_token token and code token', async () => {
      for (const responseType of ['code id_token token', 'code token']) {
        const client = await rp(responseType);
        const state = generators.state();
        const nonce = generators.nonce();
        const response = readResponse(await browser.get(client.authorizationUrl({ response_type: responseType, scope: 'openid email', state, nonce })));
        const tokens = await client.callback(CALLBACK, paramsOf(response), { state, nonce, response_type: responseType });
        expect(tokens.claims()).toMatchObject({ sub: 'john.doe', email: 'john.doe@example.com' });
      }
    });

    it('implicit id_token token: callback() validates at_hash and s_hash; the access token reads userinfo', async () => {
      const client = await rp('id_token token');
      const state = generators.state();
      const nonce = generators.nonce();
      const response = readResponse(await browser.get(client.authorizationUrl({ response_type: 'id_token token', scope: 'openid profile email', state, nonce })));
      const tokens = await client.callback(CALLBACK, paramsOf(response), { state, nonce, response_type: 'id_token token' });
      expect(tokens.token_type).toBe('Bearer');
      expect(tokens.claims()).toMatchObject({ sub: 'john.doe', nonce, email: 'john.doe@example.com' });
      expect(await client.userinfo(tokens)).toMatchObject({ sub: 'john.doe', email: 'john.doe@example.com', name: 'John Doe' });
    });

    it('implicit id_token via form_post', async () => {
      const client = await rp('id_token');
      const state = generators.state();
      const nonce = generators.nonce();
      const response = readResponse(await browser.get(client.authorizationUrl({ response_type: 'id_token', response_mode: 'form_post', scope: 'openid', state, nonce })));
      const tokens = await client.callback(CALLBACK, paramsOf(response), { state, nonce, response_type: 'id_token' });
      expect(tokens.claims()).toMatchObject({ sub: 'john.doe', nonce });
    });

    it('s_hash of a state with non-ASCII characters matches what relying parties compute (UTF-8 octets)', async () => {
      const client = await rp('code id_token');
      const state = 'résumé-✓-' + generators.state();
      const nonce = generators.nonce();
      const response = readResponse(await browser.get(client.authorizationUrl({ response_type: 'code id_token', scope: 'openid', state, nonce })));
      expect(response.params.state).toBe(state);
      const claims = await verifyIdToken(ts, setup.instance, response.params.id_token, setup.app.clientId);
      expect(claims.s_hash).toBe(leftHalf(state));
      await expect(client.callback(CALLBACK, paramsOf(response), { state, nonce, response_type: 'code id_token' })).resolves.toBeDefined();
    });

    it('a tampered response is caught: a code swapped for another one fails c_hash', async () => {
      const client = await rp('code id_token');
      const nonce = generators.nonce();
      const state = generators.state();
      const a = readResponse(await browser.get(client.authorizationUrl({ response_type: 'code id_token', scope: 'openid', state, nonce })));
      const b = readResponse(await browser.get(client.authorizationUrl({ response_type: 'code id_token', scope: 'openid', state, nonce })));
      await expect(client.callback(CALLBACK, { ...a.params, code: b.params.code }, { state, nonce, response_type: 'code id_token' })).rejects.toThrow(/c_hash/);
    });
  });

  describe('the hybrid flow exactly as the seed documents it (ERP.net ID for Web Applications)', () => {
    it('code id_token + form_post + PKCE S256; the code is exchanged with client_secret_post and code_verifier', async () => {
      const instance = await createInstance(ts);
      await relaxRateLimits(ts, instance);
      await createUser(ts, instance, { Login: 'admin', Name: 'John Doe', Email: 'admin@mail.com', Password: PASSWORD, Locale: 'bg', IsAdmin: true });
      const clientSecret = randomBytes(32).toString('base64url');
      await createApplication(ts, instance, {
        Name: 'My trusted app',
        ApplicationUri: 'myapp.myhost.net',
        IsEnabled: true,
        ImpersonateAsInternalUserAllowed: true,
        ImpersonateAsCommunityUserAllowed: true,
        ImpersonateLoginUrl: 'https://myapp.myhost.net/signin-callback',
        ClientType: 'Confidential',
        ApplicationSecretHash: createHash('sha256').update(clientSecret).digest('base64'),
        Scope: '',
      });
      const redirectUri = 'https://myapp.myhost.net/signin-callback';

      // 1. state, nonce: base64url(random(32 bytes)); code_verifier: random(64 chars); code_challenge: base64url(sha256(code_verifier)).
      const state = randomBytes(32).toString('base64url');
      const nonce = randomBytes(32).toString('base64url');
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
      const codeVerifier = [...randomBytes(64)].map((b) => alphabet[b % alphabet.length]).join('');
      const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
      const url =
        `${issuerOf(ts, instance)}/connect/authorize?client_id=myapp.myhost.net&redirect_uri=${encodeURIComponent(redirectUri)}` +
        `&response_type=code%20id_token&response_mode=form_post&scope=openid%20profile&state=${state}&nonce=${nonce}` +
        `&code_challenge=${codeChallenge}&code_challenge_method=S256`;

      // 2. After sign-in, the browser posts code, state and id_token (and iss) to the callback.
      const res = await signIn(new Browser(ts), url, 'admin');
      expect(res.status).toBe(200);
      const { action, fields } = parseForm(res.text);
      expect(action).toBe(redirectUri);
      expect(fields).toEqual({ code: expect.stringMatching(BASE64URL_256), state, id_token: expect.any(String), iss: issuerOf(ts, instance) });
      const fromCallback = await verifyIdToken(ts, instance, fields.id_token, 'myapp.myhost.net');
      expect(fromCallback).toMatchObject({ sub: 'admin', nonce, c_hash: leftHalf(fields.code), s_hash: leftHalf(state), idp: 'local', amr: ['pwd'], name: 'John Doe' });

      // 3. The token request of the seed.
      const token = await tokenRequest(ts, instance, {
        client_id: 'myapp.myhost.net',
        client_secret: clientSecret,
        grant_type: 'authorization_code',
        code: fields.code,
        redirect_uri: redirectUri,
        code_verifier: codeVerifier,
      });
      expect(token.status).toBe(200);
      expect(token.headers['content-type']).toMatch(/^application\/json/);
      expect(token.headers['cache-control']).toBe('no-store');
      expect(token.body).toEqual({ id_token: expect.any(String), access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'openid profile' });
      const idClaims = await verifyIdToken(ts, instance, token.body.id_token, 'myapp.myhost.net');
      expect(idClaims).toMatchObject({ iss: issuerOf(ts, instance), aud: 'myapp.myhost.net', sub: 'admin', nonce, sid: fromCallback.sid, auth_time: fromCallback.auth_time, at_hash: leftHalf(token.body.access_token) });
      const at = await verifyAccessToken(ts, instance, token.body.access_token, 'DomainAPI');
      expect(at).toMatchObject({ client_id: 'myapp.myhost.net', sub: 'admin', name: 'John Doe', email: 'admin@mail.com', user_type: 'InternalUser', is_admin: true, db: instance.database, locale: 'bg', scope: ['openid', 'profile'], sid: fromCallback.sid });

      // The same request with the same code again is refused.
      const again = await tokenRequest(ts, instance, { client_id: 'myapp.myhost.net', client_secret: clientSecret, grant_type: 'authorization_code', code: fields.code, redirect_uri: redirectUri, code_verifier: codeVerifier });
      expect(again.status).toBe(400);
      expect(again.body.error).toBe('invalid_grant');
    });
  });
});
