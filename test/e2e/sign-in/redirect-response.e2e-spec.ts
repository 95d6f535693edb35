import { Browser, parseForm } from '../../utils/browser';
import { createApplication, type ApplicationFixture } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { authorizeUrl, isLoginRedirect, readResponse, setupInstance, type Params, type Setup } from './authorize.fixture';
import { CALLBACK, issuerOf, PASSWORD, signIn } from './sign-in.fixture';

/** A registered redirect URI whose own query a parser would rewrite: `flag` without `=`, `~`, `%20`. */
const WITH_QUERY = 'https://app.example.com/cb3?next=%2Fhome&flag&t=a~b&sp=a%20b';

/**
 * How the response reaches the redirect_uri: its own query is kept byte for byte (RFC 6749
 * §3.1.2) and the response parameters are appended; a request too large to carry through the
 * sign-in page is refused up front.
 */
describe('sign-in: the redirect_uri as registered, and the size of a request', () => {
  let ts: TestServer;
  let setup: Setup;
  let issuer: string;
  let app: ApplicationFixture;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    setup = await setupInstance(ts);
    issuer = issuerOf(ts, setup.instance);
    app = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: `${CALLBACK},${WITH_QUERY}` });
  });
  afterAll(() => ts.close());

  const url = (extra: Params = {}) =>
    authorizeUrl(ts, setup.instance, { client_id: app.clientId, redirect_uri: WITH_QUERY, response_type: 'code', scope: 'openid', state: 'st', nonce: 'n', ...extra });
  /** The raw Location header, as the server wrote it. */
  const location = (res: { headers: Record<string, unknown> }) => String(res.headers.location);

  describe('the registered query is kept as it is', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = new Browser(ts);
      await signIn(browser, url());
    });

    it('query mode: success and error parameters follow it after &', async () => {
      const ok = await browser.get(url());
      expect(location(ok)).toMatch(new RegExp(`^${escape(WITH_QUERY)}&code=[A-Za-z0-9_-]+&state=st&iss=${encodeURIComponent(issuer)}$`));
      const error = await browser.get(url({ scope: 'openid admin' }));
      expect(location(error)).toMatch(new RegExp(`^${escape(WITH_QUERY)}&error=invalid_scope&error_description=[^#]+&state=st&iss=`));
    });

    it('the first sign-in answers the same way', async () => {
      expect(location(await signIn(new Browser(ts), url()))).toMatch(new RegExp(`^${escape(WITH_QUERY)}&code=`));
    });

    it('fragment mode: the parameters follow #', async () => {
      const res = await browser.get(url({ response_type: 'code id_token' }));
      expect(location(res)).toMatch(new RegExp(`^${escape(WITH_QUERY)}#code=`));
      const error = await browser.get(url({ response_type: 'code id_token', scope: 'openid admin' }));
      expect(location(error)).toMatch(new RegExp(`^${escape(WITH_QUERY)}#error=invalid_scope&`));
    });

    it('form_post: the form posts to the URI unchanged', async () => {
      const res = await browser.get(url({ response_mode: 'form_post' }));
      expect(res.status).toBe(200);
      const { action, fields } = parseForm(res.text);
      expect(action).toBe(WITH_QUERY);
      expect(Object.keys(fields).sort()).toEqual(['code', 'iss', 'state']);
    });

    it('a URI without a query starts one with ?', async () => {
      const res = await browser.get(url({ redirect_uri: CALLBACK }));
      expect(location(res)).toMatch(new RegExp(`^${escape(CALLBACK)}\\?code=`));
    });
  });

  describe('a request too large for the sign-in URL', () => {
    const big = 'x'.repeat(13_000);
    const post = (browser: Browser, form: Params) => browser.post(`${issuer}/connect/authorize`, form as Record<string, string>);
    const base = (): Params => ({ client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid', nonce: 'n' });

    it('POST with a 13,000-character state → invalid_request at the redirect_uri, with the state', async () => {
      const res = await post(new Browser(ts), { ...base(), state: big });
      expect(readResponse(res).params).toEqual({ error: 'invalid_request', error_description: 'the authorization request is too large', state: big, iss: issuer });
    });

    it('the same over GET, and from a signed-in browser as well', async () => {
      const browser = new Browser(ts);
      await signIn(browser, authorizeUrl(ts, setup.instance, { ...base(), state: 's' }));
      for (const b of [new Browser(ts), browser]) {
        const res = await b.get(authorizeUrl(ts, setup.instance, { ...base(), state: big }));
        expect(readResponse(res).params).toMatchObject({ error: 'invalid_request', error_description: 'the authorization request is too large' });
      }
      const other = await post(browser, { ...base(), state: 's', login_hint: big });
      expect(readResponse(other).params).toMatchObject({ error: 'invalid_request', state: 's' });
    });

    it('a large request within the limit goes through the sign-in page, whose URL stays under 8 KB', async () => {
      const state = 'y'.repeat(4_000);
      const browser = new Browser(ts);
      const first = await post(browser, { ...base(), state });
      expect(isLoginRedirect(first)).toBe(true);
      expect(first.location!.length).toBeLessThan(8_192);
      const page = await browser.get(first.location!);
      expect(page.status).toBe(200);
      const { action, fields } = parseForm(page.text);
      const done = await browser.post(action, { ...fields, username: 'john.doe', password: PASSWORD });
      expect(readResponse(done).params).toEqual({ code: expect.any(String), state, iss: issuer });
    });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
