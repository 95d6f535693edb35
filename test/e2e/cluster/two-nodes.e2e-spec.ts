import { decodeProtectedHeader } from 'jose';
import { generators } from 'openid-client';
import { Browser, parseForm, responseParams } from '../../utils/browser';
import { auth, createApplication, createInstance, createUser, type InstanceFixture } from '../../utils/fixtures';
import { rpClient } from '../../utils/oidc';
import { balancer, nodeEnv, startServerProcess, within, type ServerProcess } from '../../utils/server-process';
import { unique } from '../../utils/test-server';
import { postgresBinaries, provisionDatabase } from '../../utils/throwaway-postgres';
import { registerAccount } from '../erpnet-id/erpnet-id.fixture';
import { CALLBACK, PASSWORD, signInSetup } from '../sign-in/sign-in.fixture';

/**
 * Two real server processes on one PostgreSQL behave as one server: A with one process, B a
 * cluster of two workers. Their caches live for 600 s here, so whatever B notices of a change
 * made through A within a second came by NOTIFY.
 */
const available = !!process.env.DATABASE_URL || !!postgresBinaries();
(available ? describe : describe.skip)('several nodes: two server processes on one PostgreSQL', () => {
  let db: { url: string; dispose(): Promise<void> } | undefined;
  let a: ServerProcess;
  let b: ServerProcess;
  /** Requests to a node with the public host of the pair (both sit behind one name). */
  // Connection: close, so that B's primary hands each request to its workers in turn.
  const at = (node: ServerProcess, host: string) => ({
    get: (path: string) => node.http().get(path).set('Host', `${host}:${a.port}`).set('Connection', 'close'),
    token: (form: Record<string, string>) => node.http().post('/id/connect/token').set('Host', `${host}:${a.port}`).set('Connection', 'close').type('form').send(form),
  });
  const admin = (node: ServerProcess) => ({
    post: (path: string, body: object = {}) => node.http().post(`/admin/v1${path}`).set(auth).send(body),
    patch: (path: string, body: object) => node.http().patch(`/admin/v1${path}`).set(auth).send(body),
    delete: (path: string) => node.http().delete(`/admin/v1${path}`).set(auth),
    get: (path: string) => node.http().get(`/admin/v1${path}`).set(auth),
  });

  beforeAll(async () => {
    db = await provisionDatabase();
    // Started together on an empty database: both migrate, both try to seed the demo.
    const env = nodeEnv({ DATABASE_URL: db!.url, SEED_DEMO: 'true', CACHE_TTL_SECONDS: '600', LOG_LEVEL: 'info' });
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess({ ...env, WORKERS: '2' })]);
    await within(60_000, async () => b.output().includes('2 workers serving'), "both of B's workers listen");
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.dispose();
  });

  it('starting together on an empty database, they migrate once and create the demo once', async () => {
    const names = (await admin(b).get('/instances')).body.map((i: { Name: string }) => i.Name);
    expect(names.filter((n: string) => n === 'testdb' || n === 'erpnet-id').sort()).toEqual(['erpnet-id', 'testdb']);
    expect(`${a.output()}${b.output()}`.match(/demo created:/g)).toHaveLength(1);
    const [ra, rb] = await Promise.all([a.http().get('/readyz'), b.http().get('/readyz')]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
  });

  it('a session made on A is seen by B, and a code issued by A is redeemed at B', async () => {
    const lb = balancer([a, b]);
    const { instance, app } = await signInSetup(lb);
    const client = await rpClient(lb, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [CALLBACK] });
    const browser = new Browser(lb);
    const verifier = generators.codeVerifier();
    const url = client.authorizationUrl({ scope: 'openid offline_access', code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256' });

    // authorize at A, the sign-in page from B, the form posted to A
    lb.target = a;
    const toLogin = await browser.get(url);
    lb.target = b;
    const page = await browser.get(toLogin.location!);
    expect(page.status).toBe(200);
    lb.target = a;
    const { action, fields } = parseForm(page.text);
    const callback = await browser.post(action, { ...fields, username: 'john.doe', password: PASSWORD });
    const { code } = responseParams(callback.location!);
    expect(code).toBeDefined();

    const redeemed = await at(b, instance.host).token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier, client_id: app.clientId, client_secret: app.clientSecret });
    expect(redeemed.status).toBe(200);
    expect(redeemed.body.refresh_token).toBeDefined();

    // B knows the session A created: no sign-in page, a code at once
    lb.target = b;
    const silent = await browser.get(client.authorizationUrl({ scope: 'openid', prompt: 'none', state: 'on-b' }));
    expect(responseParams(silent.location!)).toMatchObject({ state: 'on-b', code: expect.any(String) });
    const viaA = await at(a, instance.host).token({ grant_type: 'authorization_code', code: responseParams(silent.location!).code, redirect_uri: CALLBACK, client_id: app.clientId, client_secret: app.clientSecret });
    expect(viaA.status).toBe(200);

    // the refresh token from B's exchange is refreshed at A
    const refreshed = await at(a, instance.host).token({ grant_type: 'refresh_token', refresh_token: redeemed.body.refresh_token, client_id: app.clientId, client_secret: app.clientSecret });
    expect(refreshed.status).toBe(200);
  });

  describe('admin changes through A take effect on B at once', () => {
    let instance: InstanceFixture;
    let app: { clientId: string; clientSecret: string };
    const clientCredentials = () => at(b, instance.host).token({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret });
    /**
     * Within a second on both of B's workers: each hears the change on its own, so the second may
     * lag the first by a moment. Four answers in a row (round robin: two per worker) must agree.
     */
    const becomes = async (status: number, what: string) => {
      await within(
        1000,
        async () => {
          for (let i = 0; i < 4; i++) if ((await clientCredentials()).status !== status) return false;
          return true;
        },
        what,
      );
    };

    beforeAll(async () => {
      const viaA = balancer([a]);
      const name = unique('inst');
      instance = { name, host: `${name}.test.local`, database: 'E1_NODES' };
      // B has never seen the host: 404, which it remembers for a few seconds
      expect((await at(b, instance.host).get('/id/.well-known/openid-configuration')).status).toBe(404);
      expect((await admin(a).post('/instances', { Name: name, Hosts: [instance.host], Database: 'E1_NODES' })).status).toBe(201);
      await within(1000, async () => (await at(b, instance.host).get('/id/.well-known/openid-configuration')).status === 200, 'B serves the instance created on A');
      await createUser(viaA, instance, { Login: 'svc', Name: 'Service' });
      app = await createApplication(viaA, instance, { Scope: 'read', SystemUser: 'svc', SystemUserAllowed: true });
      // B caches the instance, the application and the system user
      expect((await clientCredentials()).status).toBe(200);
    });

    it('an application disabled and enabled again', async () => {
      expect((await admin(a).patch(`/instances/${instance.name}/trusted-applications/${app.clientId}`, { IsEnabled: false })).status).toBe(200);
      await becomes(401, 'B refuses the disabled application');
      expect((await admin(a).patch(`/instances/${instance.name}/trusted-applications/${app.clientId}`, { IsEnabled: true })).status).toBe(200);
      await becomes(200, 'B accepts it again');
    });

    it('a user deactivated and activated', async () => {
      expect((await admin(a).patch(`/instances/${instance.name}/users/svc`, { Active: false })).status).toBe(200);
      await becomes(400, "B refuses the application whose system user is inactive");
      expect((await clientCredentials()).body.error).toBe('unauthorized_client');
      expect((await admin(a).patch(`/instances/${instance.name}/users/svc`, { Active: true })).status).toBe(200);
      await becomes(200, 'B accepts it again');
    });

    it('keys rotated: B publishes the new key and signs with it', async () => {
      const kids = async () => ((await at(b, instance.host).get('/id/.well-known/openid-configuration/jwks')).body.keys as { kid: string }[]).map((k) => k.kid);
      const before = await kids();
      const rotated = await admin(a).post(`/instances/${instance.name}/keys/rotate`);
      expect(rotated.status).toBe(201);
      const [fresh] = (rotated.body as { Kid: string; State: string }[]).filter((k) => !before.includes(k.Kid)).map((k) => k.Kid);
      expect(fresh).toBeDefined();
      await within(1000, async () => (await kids()).includes(fresh), 'B publishes the rotated-in key');
      // KEY_PROPAGATION_DELAY_SECONDS=0: the new key signs at once, on B too
      const signedBy = async () => decodeProtectedHeader((await clientCredentials()).body.access_token).kid;
      await within(1000, async () => (await signedBy()) === fresh, 'B signs with it');
      for (let i = 0; i < 4; i++) expect(await signedBy()).toBe(fresh);
    });

    it('instance settings and hosts changed', async () => {
      expect((await admin(a).patch(`/instances/${instance.name}`, { AccessTokenLifetime: 1234 })).status).toBe(200);
      await within(1000, async () => (await clientCredentials()).body.expires_in === 1234, 'B issues tokens with the new lifetime');

      const newHost = `${unique('moved')}.test.local`;
      expect((await admin(a).patch(`/instances/${instance.name}`, { Hosts: [newHost] })).status).toBe(200);
      await within(1000, async () => (await at(b, newHost).get('/id/.well-known/openid-configuration')).status === 200, 'B serves the new host');
      await within(1000, async () => (await at(b, instance.host).get('/id/.well-known/openid-configuration')).status === 404, 'B no longer serves the old one');
      instance = { ...instance, host: newHost };
    });

    it('application, user and instance deleted', async () => {
      expect((await clientCredentials()).status).toBe(200);
      // The application still names svc as its SystemUser: svc stays until it does not.
      expect((await admin(a).delete(`/instances/${instance.name}/users/svc`)).status).toBe(409);
      expect((await admin(a).delete(`/instances/${instance.name}/trusted-applications/${app.clientId}`)).status).toBe(204);
      await becomes(401, 'B refuses the deleted application');
      expect((await admin(a).delete(`/instances/${instance.name}/users/svc`)).status).toBe(204);
      expect((await admin(a).delete(`/instances/${instance.name}`)).status).toBe(204);
      await within(1000, async () => (await at(b, instance.host).get('/id/.well-known/openid-configuration')).status === 404, 'B no longer serves the deleted instance');
    });
  });

  it("a client's rate limit counts its requests at every node and worker", async () => {
    const viaA = balancer([a]);
    const instance = await createInstance(viaA, { TokenRateLimitPerClient: 6 });
    await createUser(viaA, instance, { Login: 'svc' });
    const app = await createApplication(viaA, instance, { Scope: 'read', SystemUser: 'svc', SystemUserAllowed: true });
    const form = { grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret };
    // two at A and four at B (two per worker): six, the limit
    for (const node of [a, a, b, b, b, b]) expect((await at(node, instance.host).token(form)).status).toBe(200);
    await within(2000, async () => (await at(a, instance.host).token(form)).status === 429, 'A counts what B counted');
    // Each of B's workers hears the others' reports on its own; give them a few report periods
    // (100 ms each) to catch up with what A has heard, without sending B a request that counts.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // counted apart, neither of B's workers would have reached the limit
    for (let i = 0; i < 2; i++) expect((await at(b, instance.host).token(form)).status).toBe(429);
  });

  describe('single-use things redeemed at both nodes at the same moment: one wins', () => {
    it('authorization codes and refresh tokens', async () => {
      const lb = balancer([a, b]);
      const { instance, app } = await signInSetup(lb);
      const client = await rpClient(lb, instance.host, { client_id: app.clientId, client_secret: app.clientSecret, redirect_uris: [CALLBACK] });
      const browser = new Browser(lb);
      const creds = { client_id: app.clientId, client_secret: app.clientSecret };
      const both = (form: Record<string, string>) => Promise.all([at(a, instance.host).token(form), at(b, instance.host).token(form)]);
      const oneWins = (results: { status: number; body: { error?: string } }[]) => {
        expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
        expect(results.find((r) => r.status === 400)!.body.error).toBe('invalid_grant');
      };

      const first = await browser.get(client.authorizationUrl({ scope: 'openid offline_access' }));
      const page = await browser.get(first.location!);
      const { action, fields } = parseForm(page.text);
      const signedIn = await browser.post(action, { ...fields, username: 'john.doe', password: PASSWORD });
      let code = responseParams(signedIn.location!).code;
      for (let round = 0; round < 4; round++) {
        if (round > 0) code = responseParams((await browser.get(client.authorizationUrl({ scope: 'openid offline_access' }))).location!).code;
        const results = await both({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, ...creds });
        oneWins(results);
        // the loser's replay revoked what the code issued: a fresh grant for the refresh race
        const fresh = responseParams((await browser.get(client.authorizationUrl({ scope: 'openid offline_access' }))).location!).code;
        const granted = await at(a, instance.host).token({ grant_type: 'authorization_code', code: fresh, redirect_uri: CALLBACK, ...creds });
        expect(granted.status).toBe(200);
        oneWins(await both({ grant_type: 'refresh_token', refresh_token: granted.body.refresh_token, ...creds }));
      }
    });

    it('email verification links', async () => {
      const lb = balancer([a, b]);
      const global = await createInstance(lb, { Type: 'Global' });
      const email = `${unique('person')}@example.com`;
      const browser = new Browser(lb);
      const { link } = await registerAccount(lb, browser, global, { name: 'Pat', email, password: 'a long enough password' });
      // The confirmation form (in another browser than the one that registered, which would confirm
      // at once), then its answer sent to both nodes at the same moment.
      const viewer = new Browser(lb);
      const form = parseForm((await viewer.get(link!)).text);
      const cookie = [...viewer.cookies(new URL(link!).host)].map(([k, v]) => `${k}=${v}`).join('; ');
      const post = (node: ServerProcess) =>
        node.http().post(new URL(form.action).pathname).set('Host', `${global.host}:${a.port}`).set('Cookie', cookie).set('Connection', 'close').type('form').send({ ...form.fields, password: 'a long enough password' });
      const results = await Promise.all([post(a), post(b)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    });
  });
});
