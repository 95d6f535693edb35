import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Browser, parseForm, responseParams } from '../../utils/browser';
import { auth, createApplication, createInstance, createUser } from '../../utils/fixtures';
import { within } from '../../utils/server-process';
import { startTestServer, unique, type TestServer } from '../../utils/test-server';
import { postgresBinaries, startThrowawayPostgres, type ThrowawayPostgres } from '../../utils/throwaway-postgres';
import { CALLBACK, PASSWORD, signInSetup } from '../sign-in/sign-in.fixture';

/** A 503 that says so, in time: never a hang, never a 500. */
const UNAVAILABLE = { error: 'temporarily_unavailable', error_description: expect.any(String) };
const BOUND_MS = 5_000;

/**
 * A real PostgreSQL of this file's own (the machine's shared one is never stopped) is stopped and
 * started again under two running servers.
 */
(postgresBinaries() ? describe : describe.skip)('faults: PostgreSQL stops and comes back', () => {
  let pg: ThrowawayPostgres;
  let url: string;
  let ts: TestServer;
  /** A second node on the same database, with long-lived caches. */
  let other: TestServer;

  beforeAll(async () => {
    pg = await startThrowawayPostgres();
    url = await pg.createDatabase();
    // one KEY_ENCRYPTION_KEY for both nodes, as in production
    const kek = randomBytes(32).toString('hex');
    ts = await startTestServer({ DATABASE_URL: url, KEY_ENCRYPTION_KEY: kek });
    await ts.listen();
    other = await startTestServer({ DATABASE_URL: url, KEY_ENCRYPTION_KEY: kek, CACHE_TTL_SECONDS: '600' });
  }, 120_000);

  afterAll(async () => {
    await ts?.close();
    await other?.close();
    await pg?.remove();
  });

  /** Signs in at the instance and returns the redeemed tokens and the browser with its session. */
  async function signedIn() {
    const { instance, app } = await signInSetup(ts);
    const browser = new Browser(ts);
    const authorize = `http://${instance.host}:${ts.port}/id/connect/authorize?${new URLSearchParams({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid offline_access' })}`;
    const first = await browser.get(authorize);
    const page = await browser.get(first.location!);
    const { action, fields } = parseForm(page.text);
    const callback = await browser.post(action, { ...fields, username: 'john.doe', password: PASSWORD });
    const code = responseParams(callback.location!).code;
    const tokens = await token(instance.host, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, client_id: app.clientId, client_secret: app.clientSecret });
    expect(tokens.status).toBe(200);
    return { instance, app, browser, authorize, refreshToken: tokens.body.refresh_token as string };
  }

  const token = (host: string, form: Record<string, string>) => ts.http().post('/id/connect/token').set('Host', host).type('form').send(form);

  async function timed<T>(work: Promise<T>): Promise<T> {
    const started = Date.now();
    const result = await work;
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    return result;
  }

  it('while it is down: 503 in bounded time, health live but not ready; then it recovers by itself and nothing committed is lost', async () => {
    const { instance, app, browser, authorize, refreshToken } = await signedIn();
    // a sign-in page already open in another browser
    const second = new Browser(ts);
    const loginPage = await second.get((await second.get(authorize)).location!);
    const { action, fields } = parseForm(loginPage.text);
    // an application the other node has cached
    const svcApp = await (async () => {
      await createUser(ts, instance, { Login: 'svc' });
      return createApplication(ts, instance, { Scope: 'read', SystemUser: 'svc', SystemUserAllowed: true });
    })();
    const clientCredentials = () =>
      other.http().post('/id/connect/token').set('Host', instance.host).type('form').send({ grant_type: 'client_credentials', client_id: svcApp.clientId, client_secret: svcApp.clientSecret });
    expect((await clientCredentials()).status).toBe(200);

    await pg.stop('fast');

    expect((await timed(ts.http().get('/healthz'))).status).toBe(200);
    const ready = await timed(ts.http().get('/readyz'));
    expect([ready.status, ready.body]).toEqual([503, { status: 'not_ready', reason: 'database unreachable' }]);

    const refresh = await timed(token(instance.host, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: app.clientId, client_secret: app.clientSecret }));
    expect([refresh.status, refresh.body]).toEqual([503, UNAVAILABLE]);
    expect(refresh.headers['retry-after']).toBe('5');

    const adminList = await timed(ts.http().get('/admin/v1/instances').set(auth));
    expect([adminList.status, adminList.body]).toEqual([503, UNAVAILABLE]);

    // a host the server has not cached cannot be resolved
    const unknownHost = await timed(ts.http().get('/id/.well-known/openid-configuration').set('Host', `${unique('nohost')}.test.local`));
    expect([unknownHost.status, unknownHost.body]).toEqual([503, UNAVAILABLE]);

    // browser pages get the error page, with 503
    const signIn = await timed(second.post(action, { ...fields, username: 'john.doe', password: PASSWORD }));
    expect(signIn.status).toBe(503);
    expect(signIn.headers['content-type']).toMatch(/^text\/html/);
    expect(signIn.text).toContain('temporarily unavailable');
    const withSession = await timed(browser.get(authorize));
    expect(withSession.status).toBe(503);
    expect(withSession.headers['content-type']).toMatch(/^text\/html/);

    await pg.start();

    await within(20_000, async () => (await ts.http().get('/readyz')).status === 200, 'ready again without a restart');
    // the refresh token that failed with 503 was not used up
    const refreshed = await token(instance.host, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: app.clientId, client_secret: app.clientSecret });
    expect(refreshed.status).toBe(200);
    expect((await ts.http().get('/admin/v1/instances').set(auth)).status).toBe(200);
    const again = await second.post(action, { ...fields, username: 'john.doe', password: PASSWORD });
    expect(again.status).toBe(302);
    expect((await browser.get(authorize)).location).toContain(`${CALLBACK}?code=`);
    // the other node hears changes again (its LISTEN connection came back)
    expect((await ts.http().patch(`/admin/v1/instances/${instance.name}/trusted-applications/${svcApp.clientId}`).set(auth).send({ IsEnabled: false })).status).toBe(200);
    await within(10_000, async () => (await clientCredentials()).status === 401, 'the other node refuses the application disabled after the outage');
  });

  it('a crash (pg_ctl stop -m immediate): the same recovery, committed data intact', async () => {
    const { instance, app, refreshToken } = await signedIn();
    await pg.stop('immediate');
    const refresh = await timed(token(instance.host, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: app.clientId, client_secret: app.clientSecret }));
    expect(refresh.status).toBe(503);
    await pg.start();
    await within(20_000, async () => (await ts.http().get('/readyz')).status === 200, 'ready again');
    const after = await token(instance.host, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: app.clientId, client_secret: app.clientSecret });
    expect([after.status, after.body]).toEqual([200, expect.anything()]);
  });

  describe('a write that fails midway leaves nothing half-written', () => {
    let db: Client;
    beforeAll(async () => {
      db = new Client({ connectionString: url });
      await db.connect();
      // Fails like a lost connection, after the request has already written its first row.
      await db.query(`CREATE FUNCTION fail_midway() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'connection lost' USING ERRCODE = '08006'; END $$`);
    });
    afterAll(() => db?.end());

    async function failing<T>(table: string, work: () => Promise<T>): Promise<T> {
      await db.query(`CREATE TRIGGER fail_midway BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION fail_midway()`);
      try {
        return await work();
      } finally {
        await db.query(`DROP TRIGGER fail_midway ON ${table}`);
      }
    }

    it('code exchange: the code is not used up when its refresh token cannot be stored', async () => {
      const { instance, app } = await signInSetup(ts);
      const browser = new Browser(ts);
      const authorize = `http://${instance.host}:${ts.port}/id/connect/authorize?${new URLSearchParams({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid offline_access' })}`;
      const page = await browser.get((await browser.get(authorize)).location!);
      const { action, fields } = parseForm(page.text);
      const code = responseParams((await browser.post(action, { ...fields, username: 'john.doe', password: PASSWORD })).location!).code;
      const form = { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, client_id: app.clientId, client_secret: app.clientSecret };

      const failed = await failing('refresh_tokens', () => token(instance.host, form));
      expect([failed.status, failed.body]).toEqual([503, UNAVAILABLE]);
      expect((await token(instance.host, form)).status).toBe(200);
    });

    it('refresh rotation: the old token still works when its successor cannot be stored', async () => {
      const { instance, app, refreshToken } = await signedIn();
      const form = { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: app.clientId, client_secret: app.clientSecret };
      const failed = await failing('refresh_tokens', () => token(instance.host, form));
      expect(failed.status).toBe(503);
      expect((await token(instance.host, form)).status).toBe(200);
    });

    it('instance creation: no instance, host or key is left when its signing key cannot be stored', async () => {
      const name = unique('inst');
      const body = { Name: name, Hosts: [`${name}.test.local`], Database: 'E1_HALF' };
      const failed = await failing('signing_keys', () => ts.http().post('/admin/v1/instances').set(auth).send(body));
      expect(failed.status).toBe(503);
      expect((await ts.http().get(`/admin/v1/instances/${name}`).set(auth)).status).toBe(404);
      const { rows } = await db.query('SELECT count(*)::int AS n FROM instance_hosts WHERE host = $1', [`${name}.test.local`]);
      expect(rows[0].n).toBe(0);
      expect((await ts.http().post('/admin/v1/instances').set(auth).send(body)).status).toBe(201);
    });

    it('email verification: the link is not used up when the verification cannot be stored', async () => {
      const global = await createInstance(ts, { Type: 'Global' });
      const { registerAccount, verifyAccount } = await import('../erpnet-id/erpnet-id.fixture');
      const browser = new Browser(ts);
      const { link } = await registerAccount(ts, browser, global, { name: 'Pat', email: `${unique('p')}@example.com`, password: 'a long enough password' });
      await db.query(`CREATE TRIGGER fail_midway BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION fail_midway()`);
      let failed;
      try {
        failed = await verifyAccount(browser, link!, 'a long enough password');
      } finally {
        await db.query('DROP TRIGGER fail_midway ON users');
      }
      expect(failed.status).toBe(503);
      expect((await verifyAccount(browser, link!, 'a long enough password')).status).toBe(200);
    });
  });
});
