import { join } from 'node:path';
import { generators } from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, startAppServer } from '../../utils/chromium';
import { auth, createApplication, createInstance } from '../../utils/fixtures';
import { rpClient } from '../../utils/oidc';
import { startTestServer, unique, type TestServer } from '../../utils/test-server';



describe('browser: an ERP.net ID is registered, confirmed and used to sign in, in headless Chromium', () => {
  let ts: TestServer;
  let browser: Browser;
  let callback: Awaited<ReturnType<typeof startAppServer>>;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    callback = await startAppServer('/signin-callback');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (callback?.server ? callback.server.close(() => resolve()) : resolve()));
    await ts?.close();
  });

  /** A fresh profile that records console errors (CSP violations land there), script errors and failed subresources. */
  async function openPage(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1024, height: 720 }, locale: 'en-US', colorScheme: 'light' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(`script: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.request().resourceType()} ${r.status()}: ${r.url()}`);
    });
    return { context, page, problems };
  }

  /** The page at a phone's width in dark mode too, then back to the desktop. */
  async function screenshots(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    await page.setViewportSize({ width: 375, height: 667 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(ARTIFACTS, `${name}.mobile-dark.png`), fullPage: true });
    await page.setViewportSize({ width: 1024, height: 720 });
    await page.emulateMedia({ colorScheme: 'light' });
  }

  it('registers on the Global authority, confirms the email by its link, and signs in to an application with the hybrid flow', async () => {
    const global = await createInstance(ts, { Type: 'Global' });
    const issuer = `http://${global.host}:${ts.port}/id`;
    const app = await createApplication(ts, global, { Name: 'Operator.net', ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: callback.url });
    const client = await rpClient(ts, global.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [callback.url], response_types: ['code id_token'] });
    const email = `${unique('maria')}@example.com`;
    const password = 'a long enough password';

    const { context, page, problems } = await openPage();
    try {
      // 1. The registration page.
      await page.goto(`${issuer}/account/register`);
      expect(await page.title()).toBe(`Create your ERP.net ID · ${global.name}`);
      for (const label of ['Full name', 'Email', 'Password']) await page.getByLabel(label, { exact: true }).waitFor({ state: 'visible' });
      await page.getByRole('heading', { level: 1, name: 'Create your ERP.net ID' }).waitFor();
      await page.locator('input[name="name"]').fill('Maria Ivanova');
      await page.locator('input[name="email"]').fill(email);
      await page.locator('input[name="password"]').fill(password);
      await page.locator('input[name="phone"]').fill('+359 2 123 4567');
      await page.locator('select[name="language"]').selectOption('bg');
      await page.locator('input[name="company"]').fill('Acme Ltd.');
      await page.locator('textarea[name="message"]').fill('Looking forward to Operator.net.');
      await screenshots(page, 'register');
      await Promise.all([page.waitForURL(`${issuer}/account/register`, { waitUntil: 'load' }), page.getByRole('button', { name: 'Create account' }).click()]);
      await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'register.sent.png'), fullPage: true });

      // 2. The verification link, as the mail carries it.
      const outbox = await ts.http().get(`/admin/v1/outbox?to=${encodeURIComponent(email)}`).set(auth);
      expect(outbox.status).toBe(200);
      expect(outbox.body).toHaveLength(1);
      const link = (outbox.body[0].Links as string[]).find((l) => l.includes('/account/verify?token='));
      expect(link?.startsWith(`${issuer}/account/verify?token=`)).toBe(true);
      expect(outbox.body[0].Body).toContain(link);
      // In the browser that registered, the link confirms at once (elsewhere it asks for the password).
      await page.goto(link!);
      await page.getByRole('heading', { level: 1, name: 'Email confirmed' }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'register.verified.png'), fullPage: true });

      const users = await ts.http().get(`/admin/v1/instances/${global.name}/users`).set(auth);
      const account = (users.body as { Id: string; Email: string; EmailVerified: boolean }[]).find((u) => u.Email === email)!;
      expect(account).toMatchObject({ EmailVerified: true });
      expect(account.Id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

      // 3. Sign-in to an application of the Global authority: code id_token, form_post, PKCE, state, nonce (the seed's flow).
      const verifier = generators.codeVerifier();
      const state = generators.state();
      const nonce = generators.nonce();
      await page.goto(
        client.authorizationUrl({ response_type: 'code id_token', response_mode: 'form_post', scope: 'openid profile email', state, nonce, code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256' }),
      );
      expect(page.url().startsWith(`${issuer}/account/login?request=`)).toBe(true);
      await page.getByText('to continue to Operator.net').waitFor();
      await page.getByRole('link', { name: 'Create an ERP.net ID' }).waitFor();
      await screenshots(page, 'register.sign-in');
      await page.locator('input[name="username"]').fill(email);
      await page.locator('input[name="password"]').fill(password);
      await Promise.all([page.waitForURL(callback.url, { waitUntil: 'load' }), page.getByRole('button', { name: 'Sign in' }).click()]);
      expect(await page.textContent('body')).toContain('Back at the application.');

      // (Chromium also asks the application for its /favicon.ico.)
      const posts = callback.hits.filter((h) => h.url === '/signin-callback');
      expect(posts.map((h) => h.method)).toEqual(['POST']);
      const hit = posts[0];
      const params = Object.fromEntries(new URLSearchParams(hit.body));
      expect(params).toMatchObject({ code: expect.any(String), id_token: expect.any(String), state, iss: issuer });
      const tokens = await client.callback(callback.url, params, { code_verifier: verifier, state, nonce, response_type: 'code id_token' });
      const claims = tokens.claims();
      expect(claims).toMatchObject({ iss: issuer, aud: client.client_id, nonce, sub: account.Id, name: 'Maria Ivanova', email, email_verified: true, locale: 'bg', amr: ['pwd'] });

      // 4. The profile page of the signed-in person.
      await page.goto(`${issuer}/account/profile`);
      await page.getByRole('heading', { level: 1, name: 'Your ERP.net ID' }).waitFor();
      expect(await page.locator('input[name="name"]').inputValue()).toBe('Maria Ivanova');
      expect(await page.locator('select[name="language"]').inputValue()).toBe('bg');
      expect(await page.getByRole('link', { name: 'Sign out' }).evaluate((a) => (a as { href: string }).href)).toBe(`${issuer}/connect/endsession`);
      await screenshots(page, 'profile');

      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
