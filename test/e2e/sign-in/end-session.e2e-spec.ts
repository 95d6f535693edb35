import { createServer as createHttpServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { generators, type Client, type IdTokenClaims, type TokenSet } from 'openid-client';
import { Clock } from '../../../src/common/crypto/clock';
import { Browser, parseForm, responseParams, type BrowserResponse } from '../../utils/browser';
import { createApplication, type InstanceFixture } from '../../utils/fixtures';
import { rpClient } from '../../utils/oidc';
import { startTestServer, unique, type TestServer } from '../../utils/test-server';
import { CALLBACK, issuerOf, LOGOUT_CALLBACK, signIn, signInSetup } from './sign-in.fixture';

const SECOND_CALLBACK = 'https://second.example.com/signin-callback';
const SECOND_LOGOUT = 'https://second.example.com/signout-callback';
const FRONT_CHANNEL = 'https://app.example.com/front-channel-logout?v=1';
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The applications' back-channel endpoints: a loopback HTTP server that records every request. */
class BackChannelRecorder {
  readonly requests: RecordedRequest[] = [];
  private server?: HttpServer;
  private base = '';

  async start(): Promise<void> {
    this.server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'Cache-Control': 'no-store' }).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A fresh endpoint URL, so tests sharing the recorder never see each other's requests. */
  endpoint(): string {
    return `${this.base}/${unique('bcl')}`;
  }

  to(uri: string): RecordedRequest[] {
    const path = new URL(uri).pathname;
    return this.requests.filter((r) => r.path === path);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

interface SignedInApplication {
  clientId: string;
  client: Client;
  tokens: TokenSet;
  claims: IdTokenClaims;
  backChannel: string;
}

interface SsoSession {
  instance: InstanceFixture;
  browser: Browser;
  first: SignedInApplication;
  second: SignedInApplication;
  /** An application of the instance with a back-channel endpoint that took no part in the session. */
  bystanderBackChannel: string;
}

describe('sign-in: end session (RP-Initiated, Back-Channel and Front-Channel Logout)', () => {
  let ts: TestServer;
  const rp = new BackChannelRecorder();

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    await rp.start();
  });
  afterAll(async () => {
    await rp.stop();
    await ts.close();
  });

  /** Two applications signed in through one browser session (the second by SSO), both with BackChannelLogoutUri. */
  async function ssoSession(options: { frontChannel: boolean }): Promise<SsoSession> {
    const firstBackChannel = rp.endpoint();
    const secondBackChannel = rp.endpoint();
    const bystanderBackChannel = rp.endpoint();
    const { instance, app } = await signInSetup(ts, { BackChannelLogoutUri: firstBackChannel, ...(options.frontChannel ? { FrontChannelLogoutUri: FRONT_CHANNEL } : {}) });
    const secondApp = await createApplication(ts, instance, {
      ImpersonateAsInternalUserAllowed: true,
      ImpersonateLoginUrl: SECOND_CALLBACK,
      ImpersonateLogoutUrl: SECOND_LOGOUT,
      BackChannelLogoutUri: secondBackChannel,
    });
    await createApplication(ts, instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: 'https://bystander.example.com/cb', BackChannelLogoutUri: bystanderBackChannel });

    const browser = new Browser(ts);
    const firstClient = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [CALLBACK], post_logout_redirect_uris: [LOGOUT_CALLBACK] });
    const verifier = generators.codeVerifier();
    const nonce = generators.nonce();
    const callback = await signIn(browser, firstClient.authorizationUrl({ scope: 'openid profile', nonce, code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256' }));
    expect(callback.location).toMatch(/^https:\/\/app\.example\.com\/signin-callback\?code=/);
    const firstTokens = await firstClient.callback(CALLBACK, firstClient.callbackParams(callback.location!), { code_verifier: verifier, nonce });

    const secondClient = await rpClient(ts, instance.host, { client_id: secondApp.clientId, client_secret: secondApp.clientSecret, redirect_uris: [SECOND_CALLBACK], post_logout_redirect_uris: [SECOND_LOGOUT] });
    const sso = await browser.get(secondClient.authorizationUrl({ scope: 'openid', nonce: 'n2' }));
    expect(sso.location).toMatch(/^https:\/\/second\.example\.com\/signin-callback\?code=/); // no password asked
    const secondTokens = await secondClient.callback(SECOND_CALLBACK, secondClient.callbackParams(sso.location!), { nonce: 'n2' });
    expect(secondTokens.claims().sid).toBe(firstTokens.claims().sid);

    return {
      instance,
      browser,
      first: { clientId: app.clientId, client: firstClient, tokens: firstTokens, claims: firstTokens.claims(), backChannel: firstBackChannel },
      second: { clientId: secondApp.clientId, client: secondClient, tokens: secondTokens, claims: secondTokens.claims(), backChannel: secondBackChannel },
      bystanderBackChannel,
    };
  }

  async function jwksOf(instance: InstanceFixture): Promise<JSONWebKeySet> {
    return (await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', instance.host)).body as JSONWebKeySet;
  }

  /** The one back-channel request an application got: a form POST whose logout token is checked against the ID token it had. */
  async function expectLogoutToken(requests: RecordedRequest[], instance: InstanceFixture, clientId: string, idToken: TokenSet): Promise<void> {
    const idClaims = idToken.claims();
    const idTokenKid = decodeProtectedHeader(idToken.id_token!).kid;
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(request.body);
    expect([...form.keys()]).toEqual(['logout_token']);
    const token = form.get('logout_token')!;

    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(await jwksOf(instance)), {
      algorithms: ['RS256'],
      typ: 'logout+jwt',
      issuer: issuerOf(ts, instance),
      audience: clientId,
      maxTokenAge: '5m',
    });
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'logout+jwt', kid: idTokenKid });
    expect(payload.aud).toBe(clientId);
    expect(payload.sub).toBe(idClaims.sub);
    expect(payload.sid).toBe(idClaims.sid);
    expect(payload.events).toEqual({ [BACKCHANNEL_EVENT]: {} });
    expect(typeof payload.jti).toBe('string');
    expect(payload.jti!.length).toBeGreaterThanOrEqual(16);
    expect(typeof payload.iat).toBe('number');
    expect(payload.exp).toBeGreaterThan(payload.iat!);
    expect(payload).not.toHaveProperty('nonce');
    expect(Object.keys(payload).sort()).toEqual(['aud', 'events', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);
  }

  /** prompt=none at authorize: a code while the session lives, login_required once it has ended. */
  async function promptNone(browser: Browser, client: Client, headers: Record<string, string> = {}): Promise<Record<string, string>> {
    const res = await browser.get(client.authorizationUrl({ scope: 'openid', prompt: 'none', state: 'pn' }), headers);
    expect(res.status).toBe(302);
    return responseParams(res.location!);
  }

  function sessionCookie(browser: Browser, instance: InstanceFixture): string | undefined {
    return browser.cookies(`${instance.host}:${ts.port}`).get('iis.session');
  }

  /** The Set-Cookie that deletes the session cookie (same name and path, expired). */
  function expectSessionCookieCleared(res: BrowserResponse): void {
    const lines = ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []);
    const line = lines.find((l) => l.startsWith('iis.session='));
    expect(line).toBeDefined();
    expect(line).toMatch(/^iis\.session=;/);
    expect(line).toMatch(/Path=\/id(;|$)/);
    expect(line).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);
  }

  function iframeSources(html: string): string[] {
    return [...html.matchAll(/<iframe[^>]*\ssrc="([^"]*)"/g)].map((m) => decodeEntities(m[1]));
  }

  function returnLink(html: string): string | undefined {
    const link = /<a\b[^>]*\bid="return"[^>]*>/.exec(html)?.[0];
    const href = link ? /\bhref="([^"]*)"/.exec(link)?.[1] : undefined;
    return href === undefined ? undefined : decodeEntities(href);
  }

  it('discovery announces the end-session endpoint and both logout channels', async () => {
    const { instance } = await signInSetup(ts);
    const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', `${instance.host}:${ts.port}`);
    expect(res.body).toMatchObject({
      end_session_endpoint: `${issuerOf(ts, instance)}/connect/endsession`,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      frontchannel_logout_supported: true,
    });
  });

  it('valid hint, registered URI and state, front-channel app: ends the SSO session, notifies both apps, loads the iframe, then returns', async () => {
    const s = await ssoSession({ frontChannel: true });
    const oldCookie = sessionCookie(s.browser, s.instance);
    expect(oldCookie).toBeDefined();
    const state = generators.state();

    // openid-client builds the request (it adds client_id, which must match the hint's audience).
    const url = s.first.client.endSessionUrl({ id_token_hint: s.first.tokens, post_logout_redirect_uri: LOGOUT_CALLBACK, state });
    expect(url.startsWith(`${issuerOf(ts, s.instance)}/connect/endsession?`)).toBe(true);
    const res = await s.browser.get(url);

    // Front-channel apps need a page: it loads their iframes, then goes to the post-logout URI.
    expect(res.status).toBe(200);
    expect(res.location).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    const frames = iframeSources(res.text);
    expect(frames).toHaveLength(1);
    const frame = new URL(frames[0]);
    expect(frame.origin + frame.pathname).toBe('https://app.example.com/front-channel-logout');
    expect(Object.fromEntries(frame.searchParams)).toEqual({ v: '1', iss: issuerOf(ts, s.instance), sid: s.first.claims.sid });
    expect(res.headers['content-security-policy']).toContain('frame-src https://app.example.com');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const back = new URL(returnLink(res.text)!);
    expect(back.origin + back.pathname).toBe(LOGOUT_CALLBACK);
    expect(Object.fromEntries(back.searchParams)).toEqual({ state });
    expect(res.text).toMatch(/<script nonce="[^"]+">[\s\S]*location\.replace/);
    expectSessionCookieCleared(res);
    expect(sessionCookie(s.browser, s.instance)).toBeUndefined();

    // Back-channel: both applications of the session, and no other application of the instance.
    await expectLogoutToken(rp.to(s.first.backChannel), s.instance, s.first.clientId, s.first.tokens);
    await expectLogoutToken(rp.to(s.second.backChannel), s.instance, s.second.clientId, s.second.tokens);
    expect(rp.to(s.bystanderBackChannel)).toHaveLength(0);
    expect(rp.to(s.first.backChannel)[0].body).not.toBe(rp.to(s.second.backChannel)[0].body); // each its own jti and aud

    // The session is gone: at both applications, and even with the old cookie replayed.
    expect(await promptNone(s.browser, s.first.client)).toMatchObject({ error: 'login_required', state: 'pn' });
    expect(await promptNone(s.browser, s.second.client)).toMatchObject({ error: 'login_required' });
    expect(await promptNone(s.browser, s.first.client, { Cookie: `iis.session=${oldCookie}` })).toMatchObject({ error: 'login_required' });

    // Once more with the same hint: nothing left to end, no second notification, a plain redirect.
    const again = await s.browser.get(url);
    expect(again.status).toBe(302);
    expect(again.location).toBe(`${LOGOUT_CALLBACK}?state=${state}`);
    expect(rp.to(s.first.backChannel)).toHaveLength(1);
    expect(rp.to(s.second.backChannel)).toHaveLength(1);
  });

  it('valid hint, registered URI and state, no front-channel app: a direct 302 to the post-logout URI with state', async () => {
    const s = await ssoSession({ frontChannel: false });
    // The second application ends the session that the first one started.
    const url = s.second.client.endSessionUrl({ id_token_hint: s.second.tokens.id_token, post_logout_redirect_uri: SECOND_LOGOUT, state: 'st 1/2' });
    const res = await s.browser.get(url);
    expect(res.status).toBe(302);
    expect(res.location).toBe(`${SECOND_LOGOUT}?state=st+1%2F2`);
    expect(res.headers['cache-control']).toBe('no-store');
    expectSessionCookieCleared(res);

    await expectLogoutToken(rp.to(s.first.backChannel), s.instance, s.first.clientId, s.first.tokens);
    await expectLogoutToken(rp.to(s.second.backChannel), s.instance, s.second.clientId, s.second.tokens);
    expect(rp.to(s.bystanderBackChannel)).toHaveLength(0);
    expect(await promptNone(s.browser, s.first.client)).toMatchObject({ error: 'login_required' });
  });

  it('without state the redirect carries no state parameter', async () => {
    const s = await ssoSession({ frontChannel: false });
    const res = await s.browser.get(s.first.client.endSessionUrl({ id_token_hint: s.first.tokens.id_token }));
    expect(res.status).toBe(302);
    expect(res.location).toBe(LOGOUT_CALLBACK); // openid-client sent the single registered post_logout_redirect_uri
  });

  it('a post_logout_redirect_uri not registered for the application never redirects: confirmation, then the signed-out page', async () => {
    const s = await ssoSession({ frontChannel: false });
    for (const uri of ['https://evil.example.com/signout-callback', `${LOGOUT_CALLBACK}/`, SECOND_LOGOUT /* another application's */]) {
      const res = await s.browser.get(s.first.client.endSessionUrl({ id_token_hint: s.first.tokens.id_token, post_logout_redirect_uri: uri, state: 's' }));
      expect(res.status).toBe(200);
      expect(res.location).toBeUndefined();
      expect(res.text).toContain('action="' + issuerOf(ts, s.instance) + '/connect/endsession"');
    }
    expect(await promptNone(s.browser, s.first.client)).toHaveProperty('code'); // nothing ended yet
    expect(rp.to(s.first.backChannel)).toHaveLength(0);

    const confirm = await s.browser.get(s.first.client.endSessionUrl({ id_token_hint: s.first.tokens.id_token, post_logout_redirect_uri: 'https://evil.example.com/x', state: 's' }));
    const { action, fields } = parseForm(confirm.text);
    const done = await s.browser.post(action, fields);
    expect(done.status).toBe(200);
    expect(done.location).toBeUndefined();
    expect(returnLink(done.text)).toBeUndefined();
    expect(done.text).not.toContain('evil.example.com');
    expectSessionCookieCleared(done);
    await expectLogoutToken(rp.to(s.first.backChannel), s.instance, s.first.clientId, s.first.tokens);
    expect(await promptNone(s.browser, s.first.client)).toMatchObject({ error: 'login_required' });
  });

  it('without id_token_hint: a confirmation page; a POST without CSRF ends nothing; with CSRF it ends the session and never redirects', async () => {
    const s = await ssoSession({ frontChannel: true });
    const endpoint = `${issuerOf(ts, s.instance)}/connect/endsession`;
    const page = await s.browser.get(`${endpoint}?post_logout_redirect_uri=${encodeURIComponent(LOGOUT_CALLBACK)}&state=abc`);
    expect(page.status).toBe(200);
    expect(page.location).toBeUndefined();
    expect(page.headers['x-frame-options']).toBe('DENY');
    const { action, fields } = parseForm(page.text);
    expect(action).toBe(endpoint);
    expect(fields).toMatchObject({ confirm: 'yes', csrf: expect.any(String) });
    expect(fields.csrf.length).toBeGreaterThan(10);

    // Forged confirmations (another site can send the form but not know the CSRF value).
    for (const csrf of [undefined, '', 'forged-value']) {
      const { csrf: _dropped, ...rest } = fields;
      const forged = await s.browser.post(action, csrf === undefined ? rest : { ...rest, csrf });
      expect(forged.status).toBe(403);
      expect(forged.location).toBeUndefined();
      expect(forged.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringMatching(/^iis\.session=;/)]));
    }
    expect(await promptNone(s.browser, s.first.client)).toHaveProperty('code');
    expect(rp.to(s.first.backChannel)).toHaveLength(0);

    const done = await s.browser.post(action, fields);
    expect(done.status).toBe(200);
    expect(done.location).toBeUndefined();
    expect(returnLink(done.text)).toBeUndefined();
    expect(done.text).not.toContain('signout-callback');
    expect(done.text).not.toContain('<script');
    // Front-channel still happens: the page loads the participating application's iframe.
    expect(iframeSources(done.text).map((u) => new URL(u).searchParams.get('sid'))).toEqual([s.first.claims.sid]);
    expectSessionCookieCleared(done);
    await expectLogoutToken(rp.to(s.first.backChannel), s.instance, s.first.clientId, s.first.tokens);
    await expectLogoutToken(rp.to(s.second.backChannel), s.instance, s.second.clientId, s.second.tokens);
    expect(await promptNone(s.browser, s.first.client)).toMatchObject({ error: 'login_required' });

    // With no session left, the endpoint just says so.
    const after = await s.browser.get(endpoint);
    expect(after.status).toBe(200);
    expect(after.text).not.toContain('<form');
  });

  it('a bad id_token_hint is no hint: tampered, garbage, or for another client_id', async () => {
    const s = await ssoSession({ frontChannel: false });
    const endpoint = `${issuerOf(ts, s.instance)}/connect/endsession`;
    const [h, p, sig] = s.first.tokens.id_token!.split('.');
    const tamperedPayload = Buffer.from(JSON.stringify({ ...decodeJwt(s.first.tokens.id_token!), sub: 'someone.else' })).toString('base64url');
    const hints = [
      `${h}.${tamperedPayload}.${sig}`,
      `${h}.${p}.${Buffer.from('x'.repeat(256)).toString('base64url')}`,
      'not-a-jwt',
      `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`,
    ];
    for (const hint of hints) {
      const res = await s.browser.get(`${endpoint}?id_token_hint=${encodeURIComponent(hint)}&post_logout_redirect_uri=${encodeURIComponent(LOGOUT_CALLBACK)}&state=x`);
      expect(res.status).toBe(200);
      expect(res.location).toBeUndefined();
      expect(parseForm(res.text).fields).toHaveProperty('confirm', 'yes');
    }
    // A genuine hint of the first application, but client_id names the second one.
    const mismatch = await s.browser.get(`${endpoint}?id_token_hint=${s.first.tokens.id_token}&client_id=${encodeURIComponent(s.second.clientId)}&post_logout_redirect_uri=${encodeURIComponent(SECOND_LOGOUT)}`);
    expect(mismatch.status).toBe(200);
    expect(mismatch.location).toBeUndefined();
    expect(await promptNone(s.browser, s.first.client)).toHaveProperty('code');
    expect(rp.to(s.first.backChannel)).toHaveLength(0);
  });

  it('cross-tenant: an ID token of another instance (same client_id and logout URI) is not a valid hint', async () => {
    const s = await ssoSession({ frontChannel: false });
    // Instance B registers the same ApplicationUri and post-logout URI; its ID token is signed by B's key.
    const other = await signInSetup(ts, { ApplicationUri: s.first.clientId });
    const otherClient = await rpClient(ts, other.instance.host, { client_id: other.app.clientId, client_secret: other.app.clientSecret, redirect_uris: [CALLBACK] });
    const otherBrowser = new Browser(ts);
    const cb = await signIn(otherBrowser, otherClient.authorizationUrl({ scope: 'openid', nonce: 'nb' }));
    const otherTokens = await otherClient.callback(CALLBACK, otherClient.callbackParams(cb.location!), { nonce: 'nb' });
    expect(otherTokens.claims().aud).toBe(s.first.clientId);

    const res = await s.browser.get(s.first.client.endSessionUrl({ id_token_hint: otherTokens.id_token, post_logout_redirect_uri: LOGOUT_CALLBACK, state: 'x' }));
    expect(res.status).toBe(200);
    expect(res.location).toBeUndefined();
    expect(parseForm(res.text).fields).toHaveProperty('confirm', 'yes');
    expect(await promptNone(s.browser, s.first.client)).toHaveProperty('code');

    // After confirming, the session ends but the foreign hint still earns no redirect.
    const { action, fields } = parseForm(res.text);
    const done = await s.browser.post(action, fields);
    expect(done.status).toBe(200);
    expect(done.location).toBeUndefined();
    expect(returnLink(done.text)).toBeUndefined();
    expect(await promptNone(s.browser, s.first.client)).toMatchObject({ error: 'login_required' });
  });

  it('a valid hint from another session asks first (RP-Initiated Logout §2), and may redirect once confirmed', async () => {
    const s = await ssoSession({ frontChannel: false });
    // Another browser signs in at the same application: its ID token has a different sid.
    const elsewhere = new Browser(ts);
    const cb = await signIn(elsewhere, s.first.client.authorizationUrl({ scope: 'openid', nonce: 'ne' }));
    const foreign = await s.first.client.callback(CALLBACK, s.first.client.callbackParams(cb.location!), { nonce: 'ne' });
    expect(foreign.claims().sid).not.toBe(s.first.claims.sid);

    const res = await s.browser.get(s.first.client.endSessionUrl({ id_token_hint: foreign.id_token, post_logout_redirect_uri: LOGOUT_CALLBACK, state: 'q' }));
    expect(res.status).toBe(200);
    expect(res.location).toBeUndefined();
    expect(await promptNone(s.browser, s.first.client)).toHaveProperty('code');

    const { action, fields } = parseForm(res.text);
    expect(fields).toMatchObject({ id_token_hint: foreign.id_token, post_logout_redirect_uri: LOGOUT_CALLBACK, state: 'q' });
    const done = await s.browser.post(action, fields);
    expect(done.status).toBe(302);
    expect(done.location).toBe(`${LOGOUT_CALLBACK}?state=q`);
    expect(await promptNone(s.browser, s.first.client)).toMatchObject({ error: 'login_required' });
    // Only this browser's session ended; the other browser is still signed in.
    expect(await promptNone(elsewhere, s.first.client)).toHaveProperty('code');
  });

  it('an expired id_token_hint is still a valid hint', async () => {
    const clock = ts.server.app.get(Clock);
    const hourAgo = Date.now() - 3600_000;
    const now = jest.spyOn(clock, 'now').mockImplementation(() => new Date(hourAgo));
    const epoch = jest.spyOn(clock, 'epochSeconds').mockImplementation(() => Math.floor(hourAgo / 1000));
    let idToken: string;
    const backChannel = rp.endpoint();
    let instance: InstanceFixture;
    let client: Client;
    const browser = new Browser(ts);
    try {
      // An hour ago: the instance, its key, the session and an ID token (lifetime 300 s) are made.
      const setup = await signInSetup(ts, { BackChannelLogoutUri: backChannel });
      instance = setup.instance;
      client = await rpClient(ts, instance.host, { client_id: setup.app.clientId, client_secret: setup.app.clientSecret, redirect_uris: [CALLBACK] });
      const cb = await signIn(browser, client.authorizationUrl({ scope: 'openid' }));
      // openid-client would refuse the old ID token, so the code is exchanged by hand.
      const token = await ts
        .http()
        .post('/id/connect/token')
        .set('Host', `${instance.host}:${ts.port}`)
        .type('form')
        .send({ grant_type: 'authorization_code', code: new URL(cb.location!).searchParams.get('code')!, redirect_uri: CALLBACK, client_id: setup.app.clientId, client_secret: setup.app.clientSecret });
      expect(token.status).toBe(200);
      idToken = token.body.id_token as string;
    } finally {
      now.mockRestore();
      epoch.mockRestore();
    }
    expect(decodeJwt(idToken).exp!).toBeLessThan(Math.floor(Date.now() / 1000) - 3000);

    const res = await browser.get(client.endSessionUrl({ id_token_hint: idToken, post_logout_redirect_uri: LOGOUT_CALLBACK, state: 'old' }));
    expect(res.status).toBe(302);
    expect(res.location).toBe(`${LOGOUT_CALLBACK}?state=old`);
    expect(rp.to(backChannel)).toHaveLength(1);
    expect(await promptNone(browser, client)).toMatchObject({ error: 'login_required' });
  });

  it('the confirmation and signed-out pages follow ui_locales, carried through the confirmation', async () => {
    const s = await ssoSession({ frontChannel: false });
    const page = await s.browser.get(`${issuerOf(ts, s.instance)}/connect/endsession?ui_locales=bg`);
    expect(page.text).toContain('lang="bg"');
    expect(page.text).toContain('Искате ли да излезете?');
    const { action, fields } = parseForm(page.text);
    expect(fields.ui_locales).toBe('bg');
    const done = await s.browser.post(action, fields);
    expect(done.text).toContain('Излязохте');
  });

  // A new sign-in by someone else replaces the browser's session with its single sign-out.
  it('a session replaced by another person signing in is logged out at its applications too', async () => {
    const s = await ssoSession({ frontChannel: false });
    const { createUser } = await import('../../utils/fixtures');
    await createUser(ts, s.instance, { Login: 'jane.roe', Password: 'another good password' });
    const res = await signIn(s.browser, s.first.client.authorizationUrl({ scope: 'openid', prompt: 'login' }), 'jane.roe', 'another good password');
    expect(res.location).toMatch(/^https:\/\/app\.example\.com\/signin-callback\?code=/);
    await expectLogoutToken(rp.to(s.first.backChannel), s.instance, s.first.clientId, s.first.tokens);
    await expectLogoutToken(rp.to(s.second.backChannel), s.instance, s.second.clientId, s.second.tokens);
  });

  it('a user deactivated through the admin API is logged out at the applications of each session, under the issuer they know', async () => {
    const s = await ssoSession({ frontChannel: false });
    const { auth } = await import('../../utils/fixtures');
    await ts.http().patch(`/admin/v1/instances/${s.instance.name}/users/john.doe`).set(auth).send({ Active: false }).expect(200);
    // Sent before the admin API answers: each application heard of it once, the bystander not at all.
    await expectLogoutToken(rp.to(s.first.backChannel), s.instance, s.first.clientId, s.first.tokens);
    await expectLogoutToken(rp.to(s.second.backChannel), s.instance, s.second.clientId, s.second.tokens);
    expect(rp.to(s.bystanderBackChannel)).toEqual([]);
    expect(sessionCookie(s.browser, s.instance)).toBeDefined();
    expect((await promptNone(s.browser, s.first.client)).error).toBe('login_required');
    // Reactivating brings no session back, and tells nobody anything again.
    await ts.http().patch(`/admin/v1/instances/${s.instance.name}/users/john.doe`).set(auth).send({ Active: true }).expect(200);
    await ts.http().patch(`/admin/v1/instances/${s.instance.name}/users/john.doe`).set(auth).send({ Active: false }).expect(200);
    expect(rp.to(s.first.backChannel)).toHaveLength(1);
  });

  it('POST to the end-session endpoint works like GET (RP-Initiated Logout §2)', async () => {
    const s = await ssoSession({ frontChannel: false });
    const res = await s.browser.post(`${issuerOf(ts, s.instance)}/connect/endsession`, { id_token_hint: s.first.tokens.id_token!, post_logout_redirect_uri: LOGOUT_CALLBACK, state: 'p' });
    expect(res.status).toBe(302);
    expect(res.location).toBe(`${LOGOUT_CALLBACK}?state=p`);
    expect(rp.to(s.second.backChannel)).toHaveLength(1);
  });
});

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCharCode(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
