import { generators } from 'openid-client';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { Browser, parseForm, responseParams } from '../../utils/browser';
import { rpClient } from '../../utils/oidc';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { CALLBACK, issuerOf, signIn, signInSetup } from './sign-in.fixture';

describe('sign-in: authorization code flow with openid-client', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
  });
  afterAll(() => ts.close());

  it('code + PKCE: signs in, exchanges the code, validates the ID token, reads userinfo', async () => {
    const { instance, app, user } = await signInSetup(ts);
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [CALLBACK] });
    const verifier = generators.codeVerifier();
    const state = generators.state();
    const nonce = generators.nonce();
    const url = client.authorizationUrl({ scope: 'openid profile email offline_access read', code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256', state, nonce });

    const browser = new Browser(ts);
    const callback = await signIn(browser, url);
    expect(callback.status).toBe(302);
    expect(callback.location!.startsWith(CALLBACK + '?')).toBe(true);
    const params = client.callbackParams(callback.location!);
    expect(params.iss).toBe(issuerOf(ts, instance));
    expect(params.state).toBe(state);

    const tokens = await client.callback(CALLBACK, params, { code_verifier: verifier, state, nonce });
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.refresh_token).toBeDefined();
    expect(tokens.scope).toBe('openid profile email offline_access read');
    const idClaims = tokens.claims();
    expect(idClaims).toMatchObject({ iss: issuerOf(ts, instance), sub: 'john.doe', aud: app.clientId, nonce, idp: 'local', amr: ['pwd'], name: 'John Doe', email: 'john.doe@example.com', email_verified: true });
    expect(typeof idClaims.sid).toBe('string');
    expect(typeof idClaims.auth_time).toBe('number');
    expect(idClaims.at_hash).toBeDefined();

    const jwks = (await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', instance.host)).body;
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token!, createLocalJWKSet(jwks), { issuer: issuerOf(ts, instance), audience: 'DomainAPI', typ: 'at+jwt' });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({
      client_id: app.clientId,
      sub: 'john.doe',
      sub_id: user.Id,
      sid: idClaims.sid,
      auth_time: idClaims.auth_time,
      name: 'John Doe',
      email: 'john.doe@example.com',
      email_verified: true,
      locale: 'bg',
      user_type: 'InternalUser',
      is_admin: true,
      db: instance.database,
      amr: ['pwd'],
      scope: ['openid', 'profile', 'email', 'offline_access', 'read'],
      aud: ['DomainAPI', 'TableAPI', 'OLAP', 'AppServer', `${issuerOf(ts, instance)}/resources`],
    });
    expect(payload.jti).toMatch(/^[0-9A-F]{32}$/);
    expect(payload).not.toHaveProperty('idp'); // a local sign-in: idp is for federated users only

    const info = await client.userinfo(tokens);
    expect(info).toMatchObject({ sub: 'john.doe', name: 'John Doe', email: 'john.doe@example.com', email_verified: true, locale: 'bg' });
  });

  it('refresh: rotates on every use, keeps auth_time and sid, and a reused token revokes the family', async () => {
    const { instance, app } = await signInSetup(ts);
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [CALLBACK] });
    const verifier = generators.codeVerifier();
    const nonce = generators.nonce();
    const url = client.authorizationUrl({ scope: 'openid offline_access', code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256', nonce });
    const callback = await signIn(new Browser(ts), url);
    const first = await client.callback(CALLBACK, client.callbackParams(callback.location!), { code_verifier: verifier, nonce });

    const second = await client.refresh(first.refresh_token!);
    expect(second.refresh_token).toBeDefined();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const a = decodeJwt(first.access_token!);
    const b = decodeJwt(second.access_token!);
    expect(b.auth_time).toBe(a.auth_time);
    expect(b.sid).toBe(a.sid);
    expect(second.claims().auth_time).toBe(first.claims().auth_time);

    // Reusing the first (already rotated) token is refused and revokes the whole family.
    await expect(client.refresh(first.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refresh(second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('single sign-on: a second application of the instance signs in without a password', async () => {
    const { instance, app } = await signInSetup(ts);
    const other = await signInSetup(ts); // a different instance: its own users and apps
    const browser = new Browser(ts);
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [CALLBACK] });
    await signIn(browser, client.authorizationUrl({ scope: 'openid' }));

    const { createApplication } = await import('../../utils/fixtures');
    const second = await createApplication(ts, instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: 'https://second.example.com/cb' });
    const secondClient = await rpClient(ts, instance.host, { client_id: second.clientId, client_secret: second.clientSecret, redirect_uris: ['https://second.example.com/cb'] });
    const res = await browser.get(secondClient.authorizationUrl({ scope: 'openid', state: 'xyz' }));
    expect(res.status).toBe(302);
    expect(res.location).toMatch(/^https:\/\/second\.example\.com\/cb\?code=/);
    const tokens = await secondClient.callback('https://second.example.com/cb', secondClient.callbackParams(res.location!), { state: 'xyz' });
    expect(tokens.claims().sub).toBe('john.doe');

    // The session of one instance does not sign anyone in at another instance.
    const otherClient = await rpClient(ts, other.instance.host, { client_id: other.app.clientId, client_secret: other.app.clientSecret, redirect_uris: [CALLBACK] });
    browser.replayCookies(`${instance.host}:${ts.port}`, `${other.instance.host}:${ts.port}`);
    const cross = await browser.get(otherClient.authorizationUrl({ scope: 'openid', prompt: 'none' }));
    expect(responseParams(cross.location!)).toMatchObject({ error: 'login_required' });
  });

  it('prompt=none without a session is login_required; prompt=login asks again and updates auth_time', async () => {
    const { instance, app } = await signInSetup(ts);
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [CALLBACK] });
    const browser = new Browser(ts);
    const none = await browser.get(client.authorizationUrl({ scope: 'openid', prompt: 'none', state: 's1' }));
    expect(none.status).toBe(302);
    expect(responseParams(none.location!)).toEqual({ error: 'login_required', error_description: expect.any(String), state: 's1', iss: issuerOf(ts, instance) });

    const first = await signIn(browser, client.authorizationUrl({ scope: 'openid', nonce: 'n1', response_type: 'code' }));
    const t1 = await client.callback(CALLBACK, client.callbackParams(first.location!), { nonce: 'n1' });
    const again = await browser.get(client.authorizationUrl({ scope: 'openid', prompt: 'login' }));
    expect(again.location).toContain('/id/account/login');
    await new Promise((r) => setTimeout(r, 1100));
    const second = await signIn(browser, client.authorizationUrl({ scope: 'openid', prompt: 'login', nonce: 'n2' }));
    const t2 = await client.callback(CALLBACK, client.callbackParams(second.location!), { nonce: 'n2' });
    expect(t2.claims().auth_time!).toBeGreaterThan(t1.claims().auth_time!);
    expect(t2.claims().sid).toBe(t1.claims().sid);
  });

  it('login page: username by email, localized, framed never, and CSRF-protected', async () => {
    const { instance, app } = await signInSetup(ts);
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [CALLBACK] });
    const browser = new Browser(ts);
    const first = await browser.get(client.authorizationUrl({ scope: 'openid', ui_locales: 'bg en' }));
    const page = await browser.get(first.location!);
    expect(page.status).toBe(200);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.text).toContain('lang="bg"');
    expect(page.text).toContain('Вход');
    expect(page.text).toContain(instance.name);
    const { action, fields } = parseForm(page.text);
    expect(Object.keys(fields)).toEqual(expect.arrayContaining(['username', 'password', 'csrf', 'request']));

    const noCsrf = await browser.post(action, { ...fields, csrf: '', username: 'john.doe', password: 'correct horse battery' });
    expect(noCsrf.status).toBe(403);
    const wrong = await browser.post(action, { ...fields, username: 'john.doe', password: 'nope' });
    expect(wrong.status).toBe(401);
    const unknown = await browser.post(action, { ...fields, username: 'nobody', password: 'nope' });
    expect(unknown.status).toBe(401);
    // A 401 names how to authenticate (RFC 9110 §15.5.2): with the page's form, not a browser dialog.
    expect([wrong.headers['www-authenticate'], unknown.headers['www-authenticate']]).toEqual(['Form', 'Form']);
    expect(noCsrf.headers['www-authenticate']).toBeUndefined();
    // The same message whether or not the user exists.
    const message = (html: string) => /<p class="error"[^>]*>([^<]*)</.exec(html)?.[1];
    expect(message(wrong.text)).toBe(message(unknown.text));

    const ok = await browser.post(action, { ...fields, username: 'john.doe@example.com', password: 'correct horse battery' });
    expect(ok.status).toBe(302);
    expect(ok.location).toMatch(/^https:\/\/app\.example\.com\/signin-callback\?code=/);
  });
});
