import { join } from 'node:path';
import { generators, type Client } from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, startAppServer } from '../../utils/chromium';
import { createApplication } from '../../utils/fixtures';
import { rpClient } from '../../utils/oidc';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { issuerOf, PASSWORD, signInSetup } from '../sign-in/sign-in.fixture';


describe('browser: sign-in in headless Chromium', () => {
  let ts: TestServer;
  let browser: Browser;
  let callback: Awaited<ReturnType<typeof startAppServer>>;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    callback = await startAppServer('/callback');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (callback?.server ? callback.server.close(() => resolve()) : resolve()));
    await ts?.close();
  });

  /**
   * A fresh browser profile that records what a clean page never causes: console errors (CSP
   * violations are reported there), script errors, and failed subresource requests.
   */
  async function openPage(locale: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1024, height: 720 }, locale, colorScheme: 'light' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      // A rejected password answers 401 with the page; Chromium logs every 4xx document as an error.
      if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(`script: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => {
      if (r.status() >= 400 && r.request().resourceType() !== 'document') problems.push(`subresource ${r.status()}: ${r.url()}`);
    });
    return { context, page, problems };
  }

  async function setup(): Promise<{ client: Client; instanceName: string; issuer: string }> {
    const { instance, app } = await signInSetup(ts, { ImpersonateLoginUrl: callback.url, Name: 'Sales Portal' });
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [callback.url] });
    return { client, instanceName: instance.name, issuer: issuerOf(ts, instance) };
  }

  it('a person opens the application, signs in on our page, and lands on the callback with a code', async () => {
    const { client, instanceName, issuer } = await setup();
    const verifier = generators.codeVerifier();
    const state = generators.state();
    const nonce = generators.nonce();
    const authorizeUrl = client.authorizationUrl({ response_type: 'code', scope: 'openid profile email', code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256', state, nonce });

    const { context, page, problems } = await openPage('en-US');
    try {
      await page.goto(authorizeUrl);
      expect(page.url().startsWith(`${issuer}/account/login?request=`)).toBe(true);
      expect(await page.title()).toBe(`Sign in · ${instanceName}`);
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      await expectVisible(page, [
        page.getByText(instanceName, { exact: true }),
        page.getByRole('heading', { level: 1, name: 'Sign in' }),
        page.getByText('to continue to Sales Portal'),
        page.getByLabel('Username or email'),
        page.getByLabel('Password'),
        page.getByRole('button', { name: 'Sign in' }),
        page.getByRole('link', { name: 'English' }),
        page.getByRole('link', { name: 'Български' }),
      ]);
      expect(await page.evaluate("document.activeElement?.getAttribute('name')")).toBe('username'); // autofocus
      await page.screenshot({ path: join(ARTIFACTS, 'sign-in.en.png'), fullPage: true });
      // The same page on a phone in dark mode.
      await page.setViewportSize({ width: 375, height: 667 });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: join(ARTIFACTS, 'sign-in.en.mobile-dark.png'), fullPage: true });
      await page.setViewportSize({ width: 1024, height: 720 });
      await page.emulateMedia({ colorScheme: 'light' });

      await page.locator('input[name="username"]').fill('john.doe');
      await page.locator('input[name="password"]').fill(PASSWORD);
      await Promise.all([page.waitForURL((u) => u.toString().startsWith(callback.url + '?'), { waitUntil: 'load' }), page.getByRole('button', { name: 'Sign in' }).click()]);
      expect(await page.textContent('body')).toContain('Back at the application.');

      const params = client.callbackParams(page.url());
      expect(params).toMatchObject({ code: expect.any(String), state, iss: issuer });
      const tokens = await client.callback(callback.url, params, { code_verifier: verifier, state, nonce });
      expect(tokens.claims()).toMatchObject({ iss: issuer, aud: client.client_id, sub: 'john.doe', nonce, name: 'John Doe', email: 'john.doe@example.com', amr: ['pwd'] });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('signing out: the front-channel iframe loads, then the browser returns to the application; without a hint it asks first', async () => {
    const base = new URL(callback.url).origin;
    const { instance, app } = await signInSetup(ts, { ImpersonateLoginUrl: callback.url, ImpersonateLogoutUrl: `${base}/signed-out`, FrontChannelLogoutUri: `${base}/front-channel` });
    const client = await rpClient(ts, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [callback.url], post_logout_redirect_uris: [`${base}/signed-out`] });
    const issuer = issuerOf(ts, instance);
    const { context, page, problems } = await openPage('en-US');
    try {
      const signIn = async () => {
        const verifier = generators.codeVerifier();
        await page.goto(client.authorizationUrl({ scope: 'openid', code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256' }));
        await page.locator('input[name="username"]').fill('john.doe');
        await page.locator('input[name="password"]').fill(PASSWORD);
        await Promise.all([page.waitForURL((u) => u.toString().startsWith(callback.url + '?')), page.getByRole('button', { name: 'Sign in' }).click()]);
        return client.callback(callback.url, client.callbackParams(page.url()), { code_verifier: verifier });
      };
      const tokens = await signIn();

      await page.goto(client.endSessionUrl({ id_token_hint: tokens.id_token, state: 'bye' }));
      await page.waitForURL(`${base}/signed-out?state=bye`);
      const frame = callback.hits.map((h) => new URL(h.url, base)).find((u) => u.pathname === '/front-channel');
      expect(frame && Object.fromEntries(frame.searchParams)).toEqual({ iss: issuer, sid: tokens.claims().sid });
      expect((await context.cookies(issuer)).map((c) => c.name)).not.toContain('iis.session');

      // Without an id_token_hint: a confirmation first, and no way back afterwards.
      await signIn();
      await page.goto(`${issuer}/connect/endsession`);
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'sign-out.confirm.png'), fullPage: true });
      await Promise.all([page.waitForURL(`${issuer}/connect/endsession`, { waitUntil: 'load' }), page.getByRole('button', { name: 'Sign out' }).click()]);
      await page.getByRole('heading', { level: 1, name: 'You are signed out' }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'sign-out.done.png'), fullPage: true });
      expect(await page.getByRole('link', { name: 'Return to the application' }).count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the Bulgarian page (ui_locales=bg), and a wrong password shown next to the form', async () => {
    const { client, instanceName } = await setup();
    const { context, page, problems } = await openPage('en-US');
    try {
      await page.goto(client.authorizationUrl({ scope: 'openid', ui_locales: 'bg', code_challenge: generators.codeChallenge(generators.codeVerifier()), code_challenge_method: 'S256' }));
      expect(await page.locator('html').getAttribute('lang')).toBe('bg');
      expect(await page.title()).toBe(`Вход · ${instanceName}`);
      await expectVisible(page, [
        page.getByText(instanceName, { exact: true }),
        page.getByRole('heading', { level: 1, name: 'Вход' }),
        page.getByLabel('Потребителско име или имейл'),
        page.getByLabel('Парола'),
        page.getByRole('button', { name: 'Вход' }),
      ]);
      await page.screenshot({ path: join(ARTIFACTS, 'sign-in.bg.png'), fullPage: true });

      await page.locator('input[name="username"]').fill('john.doe');
      await page.locator('input[name="password"]').fill('wrong password');
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Вход' }).click()]);
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toBe('Потребителското име или паролата са грешни.');
      expect(await page.locator('input[name="username"]').inputValue()).toBe('john.doe');
      await page.screenshot({ path: join(ARTIFACTS, 'sign-in.bg.error.png'), fullPage: true });

      // Switching the language keeps the pending request.
      await page.getByRole('link', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      expect(page.url()).toContain('request=');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a device sign-in: the person types the code shown by the device, checks the application, and allows it', async () => {
    const { instance } = await signInSetup(ts, { ImpersonateLoginUrl: callback.url });
    const tv = await createApplication(ts, instance, { Name: 'Warehouse Scanner', ClientType: 'Public', ApplicationSecretHash: null, ImpersonateAsInternalUserAllowed: true, DeviceFlowAllowed: true });
    const started = await ts.http().post('/id/connect/deviceauthorization').set('Host', `${instance.host}:${ts.port}`).type('form').send({ client_id: tv.clientId, scope: 'openid' });
    expect(started.status).toBe(200);
    const { context, page, problems } = await openPage('en-US');
    try {
      // The device shows verification_uri and the code; the person types the address, signs in, and is sent back.
      await page.goto(started.body.verification_uri);
      await page.locator('input[name="username"]').fill('john.doe');
      await page.locator('input[name="password"]').fill(PASSWORD);
      await Promise.all([page.waitForURL((u) => u.pathname === '/id/account/device'), page.getByRole('button', { name: 'Sign in' }).click()]);
      await page.getByLabel('Enter the code your device shows.').fill(started.body.user_code.toLowerCase());
      await Promise.all([page.waitForURL((u) => u.searchParams.has('user_code')), page.getByRole('button', { name: 'Continue' }).click()]);
      await expectVisible(page, [page.getByText('Warehouse Scanner'), page.getByText(started.body.user_code), page.getByRole('button', { name: 'Allow' }), page.getByRole('button', { name: 'Deny' })]);
      await page.screenshot({ path: join(ARTIFACTS, 'device.en.png'), fullPage: true });
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Allow' }).click()]);
      await expectVisible(page, [page.getByText('Done. You can return to your device.')]);
      const tokens = await ts.http().post('/id/connect/token').set('Host', `${instance.host}:${ts.port}`).type('form')
        .send({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: started.body.device_code, client_id: tv.clientId });
      expect(tokens.status).toBe(200);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

async function expectVisible(page: Page, locators: ReturnType<Page['locator']>[]): Promise<void> {
  for (const locator of locators) {
    await locator.waitFor({ state: 'visible', timeout: 5_000 });
    expect(await locator.isVisible()).toBe(true);
  }
  expect(page.isClosed()).toBe(false);
}
