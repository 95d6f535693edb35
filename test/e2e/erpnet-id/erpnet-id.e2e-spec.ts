import { createLocalJWKSet, jwtVerify } from 'jose';
import { generators } from 'openid-client';
import { Browser, decodeEntities, parseForm, responseParams } from '../../utils/browser';
import { auth, createApplication, createUser } from '../../utils/fixtures';
import { rpClient } from '../../utils/oidc';
import { startTestServer, unique, type TestServer } from '../../utils/test-server';
import { APP_CALLBACK, APP_LOGGED_OUT, federationSetup, registerAccount, verifyAccount } from './erpnet-id.fixture';

describe('ERP.net ID: the global authority and federated sign-in to instances', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
  });
  afterAll(() => ts.close());

  /** Follows the whole federated sign-in from the app's authorize URL to the app's callback. */
  async function federatedSignIn(browser: Browser, authorizeUrl: string, email: string, password: string) {
    const toLogin = await browser.get(authorizeUrl);
    const loginPage = await browser.get(toLogin.location!);
    const button = /<a class="button secondary" href="([^"]+)">([^<]+)<\/a>/.exec(loginPage.text);
    if (!button) return { loginPage };
    const toUpstream = await browser.get(decodeEntities(button[1]));
    expect(toUpstream.status).toBe(302);
    // state, PKCE and a nonce of its own for each request (the ID token must carry it back).
    const upstreamParams = new URL(toUpstream.location!).searchParams;
    expect([upstreamParams.get('code_challenge_method'), upstreamParams.get('nonce')?.length]).toEqual(['S256', expect.any(Number)]);
    expect(upstreamParams.get('nonce')!.length).toBeGreaterThanOrEqual(16);
    const upstreamAuthorize = await browser.get(toUpstream.location!);
    const upstreamLogin = await browser.get(upstreamAuthorize.location!);
    const { action, fields } = parseForm(upstreamLogin.text);
    const back = await browser.post(action, { ...fields, username: email, password });
    expect(back.status).toBe(302);
    const final = await browser.get(back.location!);
    return { loginPage, button: button[2], final };
  }

  it('registers, verifies by link, and signs in to an instance app through ERP.net ID', async () => {
    const { global, globalIssuer, instance, app } = await federationSetup(ts);
    const email = `${unique('p')}@example.com`;
    const browser = new Browser(ts);
    const { link } = await registerAccount(ts, browser, global, { name: 'Petya Petrova', email, password: 'a strong password' });
    expect(link).toMatch(new RegExp(`^http://${global.host}:${ts.port}/id/account/verify\\?token=`));
    const verified = await verifyAccount(browser, link!, 'a strong password');
    expect(verified.status).toBe(200);
    expect((await verifyAccount(browser, link!, 'a strong password')).status).toBe(400); // single use

    const instanceUser = await createUser(ts, instance, { Login: 'petya', Email: email.toUpperCase(), Name: 'Petya P.' });
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [APP_CALLBACK] });
    const verifier = generators.codeVerifier();
    const url = client.authorizationUrl({ scope: 'openid profile', state: 's', nonce: 'n', code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256' });
    const { button, final } = await federatedSignIn(new Browser(ts), url, email, 'a strong password');
    expect(button).toBe("Sign in with ERP.net ID");
    expect(final!.status).toBe(302);
    expect(final!.location!.startsWith(APP_CALLBACK)).toBe(true);

    const tokens = await client.callback(APP_CALLBACK, client.callbackParams(final!.location!), { state: 's', nonce: 'n', code_verifier: verifier });
    expect(tokens.claims()).toMatchObject({ sub: 'petya', idp: globalIssuer, amr: ['external'] });
    const jwks = (await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', instance.host)).body;
    const { payload } = await jwtVerify(tokens.access_token!, createLocalJWKSet(jwks));
    expect(payload).toMatchObject({ sub: 'petya', sub_id: instanceUser.Id, idp: globalIssuer, amr: ['external'] });
  });

  it('refuses an unverified ERP.net ID email, and an email no instance user has', async () => {
    const { global, instance, app } = await federationSetup(ts);
    const email = `${unique('u')}@example.com`;
    await registerAccount(ts, new Browser(ts), global, { name: 'Unverified', email, password: 'a strong password' });
    await createUser(ts, instance, { Login: 'unverified', Email: email });
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [APP_CALLBACK] });
    const browser = new Browser(ts);
    const { final } = await federatedSignIn(browser, client.authorizationUrl({ scope: 'openid', nonce: 'n' }), email, 'a strong password');
    expect(final!.status).toBe(403);
    expect(final!.text).toContain('Confirm the email of your ERP.net ID');
    expect([...browser.cookies(`${instance.host}:${ts.port}`).keys()]).not.toContain('iis.session');

    const other = `${unique('o')}@example.com`;
    const { link } = await registerAccount(ts, new Browser(ts), global, { name: 'Other', email: other, password: 'a strong password' });
    await verifyAccount(new Browser(ts), link!, 'a strong password');
    const { final: noMatch } = await federatedSignIn(new Browser(ts), client.authorizationUrl({ scope: 'openid', nonce: 'n' }), other, 'a strong password');
    expect(noMatch!.status).toBe(403);
    expect(noMatch!.text).toContain('No active user of this instance');
  });

  it('shows no ERP.net ID button and refuses the route when the instance has the feature off', async () => {
    const { instance, app } = await federationSetup(ts, { enabled: false });
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [APP_CALLBACK] });
    const browser = new Browser(ts);
    const toLogin = await browser.get(client.authorizationUrl({ scope: 'openid' }));
    const page = await browser.get(toLogin.location!);
    expect(page.text).not.toContain('ERP.net ID');
    const direct = await browser.get(`http://${instance.host}:${ts.port}/id/account/external/erpnet-id`);
    expect(direct.status).toBe(404);
  });

  it('single sign-out: signing out at ERP.net ID ends the instance session too', async () => {
    const { global, instance, app } = await federationSetup(ts);
    const email = `${unique('s')}@example.com`;
    const { link } = await registerAccount(ts, new Browser(ts), global, { name: 'Sso', email, password: 'a strong password' });
    await verifyAccount(new Browser(ts), link!, 'a strong password');
    await createUser(ts, instance, { Login: 'sso', Email: email });
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [APP_CALLBACK] });
    const browser = new Browser(ts);
    const { final } = await federatedSignIn(browser, client.authorizationUrl({ scope: 'openid', nonce: 'n' }), email, 'a strong password');
    expect(final!.status).toBe(302);

    // Both sessions live: prompt=none succeeds at the instance.
    const before = await browser.get(client.authorizationUrl({ scope: 'openid', prompt: 'none', nonce: 'n' }));
    expect(responseParams(before.location!).code).toBeDefined();

    // Sign out at the global authority (confirmation form, as a person would without a hint).
    const confirm = await browser.get(`http://${global.host}:${ts.port}/id/connect/endsession`);
    const { action, fields } = parseForm(confirm.text);
    const out = await browser.post(action, fields);
    expect(out.status).toBe(200);

    const after = await browser.get(client.authorizationUrl({ scope: 'openid', prompt: 'none', nonce: 'n' }));
    expect(responseParams(after.location!).error).toBe('login_required');
  });

  it.each(['a password reset', 'a deactivation'])('single sign-out: %s at ERP.net ID ends the instance sessions opened through it', async (how) => {
    const { global, instance, app } = await federationSetup(ts);
    const email = `${unique('rs')}@example.com`;
    const { link } = await registerAccount(ts, new Browser(ts), global, { name: 'Reset', email, password: 'a strong password' });
    await verifyAccount(new Browser(ts), link!, 'a strong password');
    await createUser(ts, instance, { Login: 'rs', Email: email });
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [APP_CALLBACK] });
    const browser = new Browser(ts);
    expect((await federatedSignIn(browser, client.authorizationUrl({ scope: 'openid', nonce: 'n' }), email, 'a strong password')).final!.status).toBe(302);

    if (how === 'a password reset') {
      // Done from another browser, as the owner of a compromised account would.
      const owner = new Browser(ts);
      const forgot = parseForm((await owner.get(`http://${global.host}:${ts.port}/id/account/forgot`)).text);
      expect((await owner.post(forgot.action, { ...forgot.fields, email })).status).toBe(200);
      const outbox = (await ts.http().get(`/admin/v1/outbox?to=${encodeURIComponent(email)}`).set(auth)).body as { Links: string[] }[];
      const resetLink = outbox.flatMap((m) => m.Links).find((l) => l.includes('/account/reset'))!;
      const form = parseForm((await owner.get(resetLink)).text);
      expect((await owner.post(form.action, { ...form.fields, password: 'a new strong password' })).status).toBe(200);
    } else {
      const login = ((await ts.http().get(`/admin/v1/instances/${global.name}/users`).set(auth)).body as { Login: string; Email: string }[]).find((u) => u.Email === email)!.Login;
      await ts.http().patch(`/admin/v1/instances/${global.name}/users/${encodeURIComponent(login)}`).set(auth).send({ Active: false }).expect(200);
    }
    const after = await browser.get(client.authorizationUrl({ scope: 'openid', prompt: 'none', nonce: 'n' }));
    expect(responseParams(after.location!).error).toBe('login_required');
  });

  it('prompt=login and max_age asked of the instance are asked of ERP.net ID in turn: a fresh sign-in here is one there', async () => {
    const { instance, app } = await federationSetup(ts);
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [APP_CALLBACK] });
    const upstreamParams = async (extra: Record<string, string>) => {
      const browser = new Browser(ts);
      const toLogin = await browser.get(client.authorizationUrl({ scope: 'openid', nonce: 'n', ...extra }));
      const loginPage = await browser.get(toLogin.location!);
      const button = /<a class="button secondary" href="([^"]+)">/.exec(loginPage.text)!;
      const toUpstream = await browser.get(decodeEntities(button[1]));
      expect(toUpstream.status).toBe(302);
      return new URL(toUpstream.location!).searchParams;
    };
    const fresh = await upstreamParams({ prompt: 'login', max_age: '0' });
    expect([fresh.get('prompt'), fresh.get('max_age')]).toEqual(['login', '0']);
    const plain = await upstreamParams({});
    expect([plain.get('prompt'), plain.get('max_age')]).toEqual([null, null]);
  });

  it('the federated start and callback count toward the per-address sign-in limit: each costs a request to the upstream', async () => {
    const { instance } = await federationSetup(ts);
    await ts.http().patch(`/admin/v1/instances/${instance.name}`).set(auth).send({ SignInRateLimitPerIp: 3 }).expect(200);
    const base = `http://${instance.host}:${ts.port}/id/account/external`;
    const browser = new Browser(ts);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await browser.get(`${base}/callback?code=bogus${i}&state=x`)).status);
    expect(statuses).not.toContain(429);
    const limited = await browser.get(`${base}/callback?code=bogus&state=x`);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    // The start counts on its own (each route has its count), to the same limit.
    for (let i = 0; i < 3; i++) expect((await browser.get(`${base}/erpnet-id`)).status).not.toBe(429);
    expect((await browser.get(`${base}/erpnet-id`)).status).toBe(429);
  });

  it('single sign-out: signing out at the instance signs out of ERP.net ID too, then returns to the app', async () => {
    const { global, globalIssuer, instance, app } = await federationSetup(ts);
    const email = `${unique('r')}@example.com`;
    const { link } = await registerAccount(ts, new Browser(ts), global, { name: 'Reverse', email, password: 'a strong password' });
    await verifyAccount(new Browser(ts), link!, 'a strong password');
    await createUser(ts, instance, { Login: 'reverse', Email: email });
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [APP_CALLBACK], post_logout_redirect_uris: [APP_LOGGED_OUT] });
    const browser = new Browser(ts);
    const { final } = await federatedSignIn(browser, client.authorizationUrl({ scope: 'openid', nonce: 'n' }), email, 'a strong password');
    const tokens = await client.callback(APP_CALLBACK, client.callbackParams(final!.location!), { nonce: 'n' });

    const out = await browser.get(client.endSessionUrl({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: APP_LOGGED_OUT, state: 'bye' }));
    expect(out.status).toBe(302);
    expect(out.location!.startsWith(`${globalIssuer}/connect/endsession?`)).toBe(true);
    const atGlobal = await browser.get(out.location!);
    expect(atGlobal.status).toBe(302); // a valid hint of this browser's ERP.net ID session: no confirmation
    expect(atGlobal.location!.startsWith(`http://${instance.host}:${ts.port}/id/account/external/logged-out?`)).toBe(true);
    // The state it carries is this instance's: at another host it redirects nowhere (no open redirector).
    const loggedOut = new URL(atGlobal.location!);
    const replayed = await new Browser(ts).get(`http://${global.host}:${ts.port}${loggedOut.pathname}${loggedOut.search}`);
    expect(replayed.status).not.toBe(302);
    const back = await browser.get(atGlobal.location!);
    expect(back.status).toBe(302);
    expect(back.location).toBe(`${APP_LOGGED_OUT}?state=bye`);

    // Both sessions are gone.
    const instanceNone = await browser.get(client.authorizationUrl({ scope: 'openid', prompt: 'none', nonce: 'n' }));
    expect(responseParams(instanceNone.location!).error).toBe('login_required');
    const portal = await createApplication(ts, global, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: APP_CALLBACK });
    const globalClient = await rpClient(ts, global.host, { client_id: portal.clientId, client_secret: portal.clientSecret, redirect_uris: [APP_CALLBACK] });
    const globalNone = await browser.get(globalClient.authorizationUrl({ scope: 'openid', prompt: 'none', nonce: 'n' }));
    expect(responseParams(globalNone.location!).error).toBe('login_required');
  });

  it('global accounts: login by email, sub is the stable account id, profile edits and password reset', async () => {
    const { global, globalIssuer } = await federationSetup(ts);
    const email = `${unique('g')}@example.com`;
    const browser = new Browser(ts);
    const { link } = await registerAccount(ts, browser, global, { name: 'Georgi', email, password: 'first password' });
    await verifyAccount(browser, link!, 'first password');
    const portal = await createApplication(ts, global, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: APP_CALLBACK });
    const client = await rpClient(ts, global.host, { client_id: portal.clientId, client_secret: portal.clientSecret, redirect_uris: [APP_CALLBACK], response_types: ['code id_token'] });
    const verifier = generators.codeVerifier();
    // The seed's hybrid flow against ERP.net ID.
    const url = client.authorizationUrl({ response_type: 'code id_token', response_mode: 'form_post', scope: 'openid profile email', state: 'st', nonce: 'no', code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256' });
    const toLogin = await browser.get(url);
    const loginPage = await browser.get(toLogin.location!);
    expect(loginPage.text).toContain('/account/register');
    const { action, fields } = parseForm(loginPage.text);
    const posted = await browser.post(action, { ...fields, username: email, password: 'first password' });
    const form = parseForm(posted.text);
    expect(form.action).toBe(APP_CALLBACK);
    const tokens = await client.callback(APP_CALLBACK, form.fields, { state: 'st', nonce: 'no', code_verifier: verifier, response_type: 'code id_token' });
    const claims = tokens.claims();
    expect(claims.iss).toBe(globalIssuer);
    expect(claims.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims).toMatchObject({ name: 'Georgi', email, email_verified: true, locale: 'bg' });

    // Profile: the signed-in person edits their details.
    const profile = await browser.get(`http://${global.host}:${ts.port}/id/account/profile`);
    expect(profile.status).toBe(200);
    const p = parseForm(profile.text);
    const saved = await browser.post(p.action, { ...p.fields, action: 'profile', name: 'Georgi Georgiev', phone: '+359 888 123 456', language: 'en', company: 'Acme' });
    expect(saved.status).toBe(200);
    const listed = await ts.http().get(`/admin/v1/instances/${global.name}/users`).set(auth);
    expect(listed.body.find((u: { Email: string }) => u.Email === email)).toMatchObject({ Name: 'Georgi Georgiev', Locale: 'en' });

    // Password reset by link, single use.
    const forgot = await browser.get(`http://${global.host}:${ts.port}/id/account/forgot`);
    const f = parseForm(forgot.text);
    await browser.post(f.action, { ...f.fields, email });
    const outbox = await ts.http().get(`/admin/v1/outbox?to=${encodeURIComponent(email)}`).set(auth);
    const resetLink = (outbox.body[0].Links as string[])[0];
    expect(resetLink).toContain('/account/reset?token=');
    const resetPage = await browser.get(resetLink);
    const r = parseForm(resetPage.text);
    expect((await browser.post(r.action, { ...r.fields, password: 'second password' })).status).toBe(200);
    expect((await browser.post(r.action, { ...r.fields, password: 'third password' })).status).toBe(400);

    // The old password no longer works, the new one does.
    const fresh = new Browser(ts);
    const again = await fresh.get((await fresh.get(client.authorizationUrl({ scope: 'openid', nonce: 'x' }))).location!);
    const a = parseForm(again.text);
    expect((await fresh.post(a.action, { ...a.fields, username: email, password: 'first password' })).status).toBe(401);
    expect((await fresh.post(a.action, { ...a.fields, username: email, password: 'second password' })).status).toBe(302);
  });

  it('a password reset by link lifts a lockout: the owner proved the mailbox and chose a new password', async () => {
    const { global } = await federationSetup(ts);
    await ts.http().patch(`/admin/v1/instances/${global.name}`).set(auth).send({ SignInMaxFailures: 3, SignInLockoutSeconds: 3600 }).expect(200);
    const email = `${unique('locked')}@example.com`;
    const browser = new Browser(ts);
    const { link } = await registerAccount(ts, browser, global, { name: 'Locked Out', email, password: 'first password' });
    await verifyAccount(browser, link!, 'first password');
    const base = `http://${global.host}:${ts.port}/id/account`;
    const signIn = async (password: string) => {
      const page = parseForm((await browser.get(`${base}/login`)).text);
      return (await browser.post(page.action, { ...page.fields, username: email, password })).status;
    };
    for (let i = 0; i < 3; i++) expect(await signIn('a guess')).toBe(401);
    expect(await signIn('first password')).toBe(401); // locked
    const user = (await ts.http().get(`/admin/v1/instances/${global.name}/users`).set(auth)).body.find((u: { Email: string }) => u.Email === email);
    expect(new Date(user.LockedUntil).getTime()).toBeGreaterThan(Date.now());

    const forgot = parseForm((await browser.get(`${base}/forgot`)).text);
    await browser.post(forgot.action, { ...forgot.fields, email });
    const outbox = await ts.http().get(`/admin/v1/outbox?to=${encodeURIComponent(email)}`).set(auth);
    const resetLink = (outbox.body[0].Links as string[]).find((l) => l.includes('/account/reset'))!;
    const reset = parseForm((await browser.get(resetLink)).text);
    expect((await browser.post(reset.action, { ...reset.fields, password: 'second password' })).status).toBe(200);

    expect((await ts.http().get(`/admin/v1/instances/${global.name}/users/${user.Login}`).set(auth)).body.LockedUntil).toBeNull();
    expect(await signIn('second password')).toBe(200);
  });

  it('registration never tells whether an email already has an account', async () => {
    const { global } = await federationSetup(ts);
    const email = `${unique('d')}@example.com`;
    const first = new Browser(ts);
    await registerAccount(ts, first, global, { name: 'One', email, password: 'a strong password' });
    const second = await registerAccount(ts, new Browser(ts), global, { name: 'Two', email, password: 'another password' });
    expect(second.link).toBeUndefined(); // the second mail offers a reset, not a verification
    const outbox = await ts.http().get(`/admin/v1/outbox?to=${encodeURIComponent(email)}`).set(auth);
    expect(outbox.body).toHaveLength(2);
    expect(outbox.body[0].Links[0]).toContain('/account/reset?token=');
  });

  it('the start of a federated sign-in refuses a repeated or a forged request (400), never ignores it', async () => {
    const { instance } = await federationSetup(ts);
    for (const query of ['request=a&request=b', 'request=abc']) {
      const res = await ts.http().get(`/id/account/external/erpnet-id?${query}`).set('Host', `${instance.host}:${ts.port}`);
      expect([query, res.status]).toEqual([query, 400]);
    }
  });

  it('the register page exists on the Global authority only', async () => {
    const { instance, global } = await federationSetup(ts);
    expect((await new Browser(ts).get(`http://${instance.host}:${ts.port}/id/account/register`)).status).toBe(404);
    const page = await new Browser(ts).get(`http://${global.host}:${ts.port}/id/account/register`);
    expect(page.status).toBe(200);
    for (const name of ['name', 'email', 'password', 'phone', 'language', 'company', 'message']) expect(page.text).toContain(`name="${name}"`);
  });
});
