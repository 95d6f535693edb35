import { generators } from 'openid-client';
import { Browser } from '../../utils/browser';
import { createApplication, type ApplicationFixture } from '../../utils/fixtures';
import { rpClient } from '../../utils/oidc';
import { moveClock, startTestServer, type TestServer } from '../../utils/test-server';
import { authorizeUrl, createPublicApplication, errorPageCode, exchangeCode, hostOf, isLoginRedirect, pkce, random, readResponse, setupInstance, type Setup } from './authorize.fixture';
import { CALLBACK, issuerOf, signIn } from './sign-in.fixture';

const PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** RFC 9126: the application pushes the authorization request; the browser brings only client_id and request_uri. */
describe('pushed authorization requests (RFC 9126)', () => {
  let ts: TestServer;
  let setup: Setup;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    setup = await setupInstance(ts);
  });
  afterAll(() => ts.close());
  afterEach(() => jest.restoreAllMocks());

  const push = (body: Record<string, string | undefined>, headers: Record<string, string> = {}, s: Pick<Setup, 'instance'> = setup) => {
    const form: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) if (v !== undefined) form[k] = v;
    let req = ts.http().post('/id/connect/par').set('Host', hostOf(ts, s.instance)).type('form');
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    return req.send(form);
  };
  const request = (extra: Record<string, string | undefined> = {}, app: ApplicationFixture = setup.app) => {
    const { verifier, challenge } = pkce();
    const state = random();
    return {
      verifier,
      state,
      body: { client_id: app.clientId, client_secret: app.clientSecret, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid', state, code_challenge: challenge, code_challenge_method: 'S256', ...extra },
    };
  };
  const atAuthorize = (params: Record<string, string>) => authorizeUrl(ts, setup.instance, params);

  it('is advertised in discovery, and not required', async () => {
    const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', hostOf(ts, setup.instance));
    expect(res.body.pushed_authorization_request_endpoint).toBe(`${issuerOf(ts, setup.instance)}/connect/par`);
    expect(res.body.require_pushed_authorization_requests).toBe(false);
  });

  it('push, then sign in with only client_id and request_uri: the code goes to the pushed redirect_uri with the pushed state', async () => {
    const { body, verifier, state } = request();
    const pushed = await push(body);
    expect(pushed.status).toBe(201);
    expect(pushed.headers['cache-control']).toBe('no-store');
    expect(pushed.body).toEqual({ request_uri: expect.stringMatching(/^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/), expires_in: 90 });

    const response = readResponse(await signIn(new Browser(ts), atAuthorize({ client_id: setup.app.clientId, request_uri: pushed.body.request_uri })));
    expect(response.target).toBe(CALLBACK);
    expect(response.params).toMatchObject({ state, iss: issuerOf(ts, setup.instance), code: expect.any(String) });
    const tokens = await exchangeCode(ts, setup.instance, setup.app, response.params.code, { verifier });
    expect(tokens.status).toBe(200);
    expect(tokens.body.id_token).toBeDefined();
  });

  it('client_secret_basic works too, without client_id in the body', async () => {
    const { body } = request();
    const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(setup.app.clientId)}:${encodeURIComponent(setup.app.clientSecret)}`).toString('base64');
    const pushed = await push({ ...body, client_id: undefined, client_secret: undefined }, { Authorization: basic });
    expect(pushed.status).toBe(201);
    expect(pushed.body.request_uri.startsWith(PREFIX)).toBe(true);
  });

  it('a request_uri is used once; a second visit gets the error page, never a redirect', async () => {
    const pushed = await push(request().body);
    const browser = new Browser(ts);
    const url = atAuthorize({ client_id: setup.app.clientId, request_uri: pushed.body.request_uri });
    expect(isLoginRedirect(await browser.get(url))).toBe(true);
    const again = await browser.get(url);
    expect(again.status).toBe(400);
    expect(errorPageCode(again)).toBe('invalid_request_uri');
  });

  it("parameters sent beside request_uri are ignored: they cannot change the pushed redirect_uri, state or scope", async () => {
    const { body, state } = request();
    const pushed = await push(body);
    const browser = new Browser(ts);
    const response = readResponse(
      await signIn(browser, atAuthorize({ client_id: setup.app.clientId, request_uri: pushed.body.request_uri, redirect_uri: 'https://evil.example/cb', state: 'forged', scope: 'openid offline_access', prompt: 'none' })),
    );
    expect(response.target).toBe(CALLBACK);
    expect(response.params.state).toBe(state);
  });

  it("another application's client_id gets invalid_request_uri and does not use the request up", async () => {
    const other = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK });
    const pushed = await push(request().body);
    const stolen = await new Browser(ts).get(atAuthorize({ client_id: other.clientId, request_uri: pushed.body.request_uri }));
    expect([stolen.status, errorPageCode(stolen)]).toEqual([400, 'invalid_request_uri']);
    const missingClient = await new Browser(ts).get(atAuthorize({ request_uri: pushed.body.request_uri }));
    expect([missingClient.status, errorPageCode(missingClient)]).toEqual([400, 'invalid_request']);
    expect(isLoginRedirect(await new Browser(ts).get(atAuthorize({ client_id: setup.app.clientId, request_uri: pushed.body.request_uri })))).toBe(true);
  });

  it('expires after expires_in seconds', async () => {
    const pushed = await push(request().body);
    moveClock(ts, 91);
    const late = await new Browser(ts).get(atAuthorize({ client_id: setup.app.clientId, request_uri: pushed.body.request_uri }));
    expect([late.status, errorPageCode(late)]).toEqual([400, 'invalid_request_uri']);
  });

  it('an unknown request_uri of the pushed form is invalid_request_uri; any other request_uri is still request_uri_not_supported', async () => {
    const unknown = await new Browser(ts).get(atAuthorize({ client_id: setup.app.clientId, request_uri: PREFIX + random() }));
    expect([unknown.status, errorPageCode(unknown)]).toEqual([400, 'invalid_request_uri']);
    const remote = await new Browser(ts).get(authorizeUrl(ts, setup.instance, { ...request().body, client_secret: undefined, request_uri: 'https://app.example.com/request.jwt' }));
    expect(readResponse(remote).params.error).toBe('request_uri_not_supported');
  });

  it('a request_uri pushed at one instance means nothing at another', async () => {
    const elsewhere = await setupInstance(ts);
    const pushed = await push(request().body);
    const res = await new Browser(ts).get(authorizeUrl(ts, elsewhere.instance, { client_id: setup.app.clientId, request_uri: pushed.body.request_uri }));
    expect(res.status).toBe(400);
    // The application is unknown there, or the request is: either way nothing is issued.
    expect(['invalid_request_uri', 'invalid_client']).toContain(errorPageCode(res));
  });

  describe('the pushed request is checked now, and errors come back to the application in JSON', () => {
    it.each([
      ['a wrong secret', { client_secret: 'wrong' }, 401, 'invalid_client'],
      ['no client authentication', { client_id: undefined, client_secret: undefined }, 401, 'invalid_client'],
      ['an unregistered redirect_uri', { redirect_uri: 'https://evil.example/cb' }, 400, 'invalid_request'],
      ['a scope the application does not have', { scope: 'openid admin' }, 400, 'invalid_scope'],
      ['an unknown response_type', { response_type: 'code foo' }, 400, 'unsupported_response_type'],
      ['request_uri itself', { request_uri: `${PREFIX}abc` }, 400, 'invalid_request'],
      ['a request object', { request: 'eyJhbGciOiJub25lIn0.e30.' }, 400, 'request_not_supported'],
      ['an id_token response without nonce', { response_type: 'code id_token' }, 400, 'invalid_request'],
    ])('%s', async (_name, change, status, error) => {
      const res = await push({ ...request().body, ...change });
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.error).toBe(error);
      expect(res.headers.location).toBeUndefined();
    });

    it('a Public application pushes with its client_id alone, and must send PKCE', async () => {
      const app = await createPublicApplication(ts, setup.instance);
      const { body } = request({ client_id: app.clientId, client_secret: undefined });
      expect((await push(body)).status).toBe(201);
      const withoutPkce = await push({ ...body, code_challenge: undefined, code_challenge_method: undefined });
      expect([withoutPkce.status, withoutPkce.body.error]).toEqual([400, 'invalid_request']);
    });

    it('a disabled application cannot push', async () => {
      const app = await createApplication(ts, setup.instance, { ImpersonateAsInternalUserAllowed: true, ImpersonateLoginUrl: CALLBACK, IsEnabled: false });
      const res = await push(request({}, app).body);
      expect([res.status, res.body.error]).toEqual([401, 'invalid_client']);
    });

    it('GET is 405', async () => {
      const res = await ts.http().get('/id/connect/par').set('Host', hostOf(ts, setup.instance));
      expect(res.status).toBe(405);
      expect(res.headers.allow).toContain('POST');
    });
  });

  it('openid-client pushes, signs in through the request_uri and validates the ID token', async () => {
    const client = await rpClient(ts, setup.instance.host, { client_id: setup.app.clientId, client_secret: setup.app.clientSecret, redirect_uris: [CALLBACK], response_types: ['code'] });
    const verifier = generators.codeVerifier();
    const state = generators.state();
    const nonce = generators.nonce();
    const { request_uri } = await client.pushedAuthorizationRequest({ scope: 'openid email', state, nonce, code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256' });
    const url = new URL(client.authorizationUrl({ request_uri }));
    // openid-client adds its defaults (redirect_uri, response_type, scope) beside it; the pushed ones count.
    expect(url.searchParams.get('request_uri')).toBe(request_uri);
    const response = readResponse(await signIn(new Browser(ts), url.toString()));
    const tokens = await client.callback(CALLBACK, response.params, { state, nonce, code_verifier: verifier });
    expect(tokens.claims()).toMatchObject({ sub: 'john.doe', nonce });
  });
});
