import { Browser } from '../../utils/browser';
import { auth, clientCredentialsSetup, createApplication, createInstance, createUser, type InstanceFixture } from '../../utils/fixtures';
import { statementsSent } from '../../utils/statements';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { comparablePage, errorMessage, NO_RATE_LIMITS, sleep, submitLogin } from './hardening.fixture';

const PASSWORD = 'correct horse battery';
const LOCKOUT_SECONDS = 2;

describe('hardening: sign-in lockout and rate limits', () => {
  let ts: TestServer;
  beforeAll(async () => (ts = await startTestServer()));
  afterAll(() => ts.close());

  const userAdmin = (instance: InstanceFixture, login: string) => `/admin/v1/instances/${instance.name}/users/${login}`;

  describe('lockout after SignInMaxFailures failed passwords', () => {
    let instance: InstanceFixture;
    beforeEach(async () => {
      instance = await createInstance(ts, { SignInMaxFailures: 3, SignInLockoutSeconds: LOCKOUT_SECONDS, ...NO_RATE_LIMITS });
      await createUser(ts, instance, { Login: 'john.doe', Email: 'john.doe@example.com', Password: PASSWORD });
    });

    it('locks after 3 failures: the right password is refused exactly like a wrong one, until the lock runs out', async () => {
      const browser = new Browser(ts);
      const wrong = [];
      for (let i = 0; i < 3; i++) wrong.push(await submitLogin(browser, instance, 'john.doe', 'wrong password'));
      expect(wrong.map((r) => r.status)).toEqual([401, 401, 401]);

      const locked = await submitLogin(browser, instance, 'john.doe', PASSWORD);
      expect(locked.status).toBe(401);
      expect(errorMessage(locked.text)).toBe(errorMessage(wrong[0].text));
      expect(comparablePage(locked.text, 'john.doe')).toBe(comparablePage(wrong[0].text, 'john.doe'));

      const admin = await ts.http().get(userAdmin(instance, 'john.doe')).set(auth).expect(200);
      expect(new Date(admin.body.LockedUntil).getTime()).toBeGreaterThan(Date.now());

      await sleep(LOCKOUT_SECONDS + 0.5);
      const after = await submitLogin(browser, instance, 'john.doe', PASSWORD);
      expect(after.status).toBe(200);
      expect(after.text).toContain('Test User');
      expect((await ts.http().get(userAdmin(instance, 'john.doe')).set(auth)).body.LockedUntil).toBeNull();
    });

    it('counts the account whichever name is typed (Login or Email), and a success resets the count', async () => {
      const browser = new Browser(ts);
      await submitLogin(browser, instance, 'john.doe', 'wrong 1');
      await submitLogin(browser, instance, 'JOHN.DOE@example.com', 'wrong 2');
      expect((await submitLogin(browser, instance, 'john.doe', PASSWORD)).status).toBe(200);
      // Reset: two more failures do not lock.
      await submitLogin(browser, instance, 'john.doe@example.com', 'wrong 3');
      await submitLogin(browser, instance, 'john.doe', 'wrong 4');
      expect((await submitLogin(browser, instance, 'john.doe', PASSWORD)).status).toBe(200);
      // Three in a row, by either name, do.
      await submitLogin(browser, instance, 'john.doe', 'wrong 5');
      await submitLogin(browser, instance, 'john.doe@example.com', 'wrong 6');
      await submitLogin(browser, instance, 'John.Doe', 'wrong 7');
      expect((await submitLogin(browser, instance, 'john.doe@example.com', PASSWORD)).status).toBe(401);
    });

    it('a success with no failure counted writes nothing to the counts; one with failures counted clears them', async () => {
      const statements = async (work: () => Promise<unknown>) => (await statementsSent(work)).sql;
      const browser = new Browser(ts);
      const clean = await statements(async () => expect((await submitLogin(browser, instance, 'john.doe', PASSWORD)).status).toBe(200));
      expect(clean.filter((q) => /sign_in_failures/.test(q))).toEqual([expect.stringMatching(/^SELECT /)]);
      expect(clean.filter((q) => /^(START TRANSACTION|BEGIN|COMMIT)/.test(q))).toEqual([]); // the session is one INSERT

      await submitLogin(new Browser(ts), instance, 'john.doe', 'wrong');
      const afterFailure = await statements(async () => expect((await submitLogin(new Browser(ts), instance, 'john.doe', PASSWORD)).status).toBe(200));
      expect(afterFailure.filter((q) => /sign_in_failures/.test(q))).toEqual([expect.stringMatching(/^SELECT /), expect.stringMatching(/^DELETE /)]);
      const admin = await ts.http().get(userAdmin(instance, 'john.doe')).set(auth).expect(200);
      expect(admin.body.LockedUntil).toBeNull();
    });

    it('an administrator unlocks with PATCH {"Locked":false}; Locked:true is refused', async () => {
      const browser = new Browser(ts);
      for (let i = 0; i < 3; i++) await submitLogin(browser, instance, 'john.doe', 'wrong');
      expect((await submitLogin(browser, instance, 'john.doe', PASSWORD)).status).toBe(401);
      const bad = await ts.http().patch(userAdmin(instance, 'john.doe')).set(auth).send({ Locked: true });
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.body.errors)).toEqual(['Locked']);
      const unlocked = await ts.http().patch(userAdmin(instance, 'john.doe')).set(auth).send({ Locked: false }).expect(200);
      expect(unlocked.body.LockedUntil).toBeNull();
      expect((await submitLogin(browser, instance, 'john.doe', PASSWORD)).status).toBe(200);
    });

    it('an unknown login answers exactly like an existing one, before and after the lockout threshold', async () => {
      const browser = new Browser(ts);
      const known: string[] = [];
      const unknown: string[] = [];
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const k = await submitLogin(browser, instance, 'john.doe', `wrong ${i}`);
        const u = await submitLogin(browser, instance, 'nobody.here', `wrong ${i}`);
        statuses.push(k.status, u.status);
        known.push(comparablePage(k.text, 'john.doe'));
        unknown.push(comparablePage(u.text, 'nobody.here'));
        expect(Object.keys(u.headers).sort()).toEqual(Object.keys(k.headers).sort());
      }
      expect(new Set(statuses)).toEqual(new Set([401]));
      expect(unknown).toEqual(known);
      // The known account is locked now (the right password fails), the unknown one answers the same.
      const lockedKnown = await submitLogin(browser, instance, 'john.doe', PASSWORD);
      const lockedUnknown = await submitLogin(browser, instance, 'nobody.here', PASSWORD);
      expect([lockedKnown.status, lockedUnknown.status]).toEqual([401, 401]);
      expect(comparablePage(lockedUnknown.text, 'nobody.here')).toBe(comparablePage(lockedKnown.text, 'john.doe'));
    });

    it('is per instance: the same login at another instance is not locked', async () => {
      const other = await createInstance(ts, { ...NO_RATE_LIMITS });
      await createUser(ts, other, { Login: 'john.doe', Password: PASSWORD });
      const browser = new Browser(ts);
      for (let i = 0; i < 3; i++) await submitLogin(browser, instance, 'john.doe', 'wrong');
      expect((await submitLogin(browser, instance, 'john.doe', PASSWORD)).status).toBe(401);
      expect((await submitLogin(browser, other, 'john.doe', PASSWORD)).status).toBe(200);
    });

    it('SignInMaxFailures 0 turns lockout off', async () => {
      await ts.http().patch(`/admin/v1/instances/${instance.name}`).set(auth).send({ SignInMaxFailures: 0 }).expect(200);
      const browser = new Browser(ts);
      for (let i = 0; i < 6; i++) await submitLogin(browser, instance, 'john.doe', 'wrong');
      expect((await submitLogin(browser, instance, 'john.doe', PASSWORD)).status).toBe(200);
    });
  });

  describe('rate limits (429 with Retry-After, then recovery)', () => {
    const WINDOW = 2;

    it('sign-in form: per account, then per IP; an HTML page with a clear message', async () => {
      const instance = await createInstance(ts, { SignInRateLimitPerAccount: 3, SignInRateLimitPerIp: 5, RateLimitWindowSeconds: WINDOW, SignInMaxFailures: 0 });
      await createUser(ts, instance, { Login: 'john.doe', Password: PASSWORD });
      const browser = new Browser(ts);
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await submitLogin(browser, instance, 'john.doe', 'wrong')).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      // Another account from the same IP still gets in, until the IP's limit (5 posts) is reached.
      expect((await submitLogin(browser, instance, 'someone.else', 'wrong')).status).toBe(401);
      const limited = await submitLogin(browser, instance, 'third.person', 'wrong');
      expect(limited.status).toBe(429);
      expect(limited.headers['content-type']).toMatch(/^text\/html/);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(WINDOW);
      expect(limited.text).toContain('Too many attempts');

      // Another instance has its own counts.
      const other = await createInstance(ts, { SignInRateLimitPerIp: 5, RateLimitWindowSeconds: WINDOW });
      await createUser(ts, other, { Login: 'john.doe', Password: PASSWORD });
      expect((await submitLogin(browser, other, 'john.doe', PASSWORD)).status).toBe(200);

      await sleep(WINDOW + 0.2);
      expect((await submitLogin(browser, instance, 'john.doe', PASSWORD)).status).toBe(200);
    });

    it('token endpoint: per client_id and IP, then per IP; RFC 6749 JSON temporarily_unavailable', async () => {
      const { instance, app } = await clientCredentialsSetup(ts);
      await ts.http().patch(`/admin/v1/instances/${instance.name}`).set(auth).send({ TokenRateLimitPerClient: 3, TokenRateLimitPerIp: 5, RateLimitWindowSeconds: WINDOW }).expect(200);
      const second = await createApplication(ts, instance, { Scope: 'read', SystemUser: 'svc', SystemUserAllowed: true });
      const token = (a: { clientId: string; clientSecret: string }) =>
        ts.http().post('/id/connect/token').set('Host', instance.host).type('form').send({ grant_type: 'client_credentials', client_id: a.clientId, client_secret: a.clientSecret });
      const basic = (a: { clientId: string; clientSecret: string }) =>
        ts.http().post('/id/connect/token').set('Host', instance.host).auth(a.clientId, a.clientSecret).type('form').send({ grant_type: 'client_credentials' });

      expect([(await token(app)).status, (await basic(app)).status, (await token(app)).status]).toEqual([200, 200, 200]);
      const limited = await basic(app);
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/retry after \d+ seconds/) });
      expect(limited.headers['cache-control']).toBe('no-store');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);

      // Another client from the same IP has its own count, up to the IP's limit.
      expect((await token(second)).status).toBe(200);
      expect((await token(second)).status).toBe(429);

      await sleep(WINDOW + 0.2);
      expect((await token(app)).status).toBe(200);
    });

    it('introspection and revocation are limited too, each on its own count', async () => {
      const { instance, app } = await clientCredentialsSetup(ts);
      await ts.http().patch(`/admin/v1/instances/${instance.name}`).set(auth).send({ TokenRateLimitPerClient: 2, RateLimitWindowSeconds: WINDOW }).expect(200);
      for (const path of ['/id/connect/introspect', '/id/connect/revocation']) {
        const call = () => ts.http().post(path).set('Host', instance.host).type('form').send({ token: 'x', client_id: app.clientId, client_secret: app.clientSecret });
        expect([(await call()).status, (await call()).status]).toEqual([200, 200]);
        const limited = await call();
        expect(limited.status).toBe(429);
        expect(limited.body.error).toBe('temporarily_unavailable');
      }
    });
  });
});
