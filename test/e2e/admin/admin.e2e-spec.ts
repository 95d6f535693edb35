import { hashSecret } from '@app/oauth-core';
import { DataSource } from 'typeorm';
import { auth, createInstance } from '../../utils/fixtures';
import { ADMIN_KEY_GUESSES_PER_MINUTE } from '../../../src/modules/admin-auth/admin-key-guesses';
import { ADMIN_KEY, startTestServer, unique, type TestServer } from '../../utils/test-server';

describe('admin API', () => {
  let ts: TestServer;
  beforeAll(async () => (ts = await startTestServer()));
  afterAll(() => ts.close());

  describe('authentication', () => {
    it.each([
      ['no header', undefined],
      ['wrong key', 'Bearer not-the-key-at-all-0000'],
      ['wrong scheme', 'Basic dGVzdDp0ZXN0'],
    ])('401 with %s', async (_name, header) => {
      const req = ts.http().get('/admin/v1/instances');
      if (header) req.set('Authorization', header);
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('unauthorized');
    });

    it('without the key, the body is never read: 401 whatever it holds (malformed JSON, too large, another media type)', async () => {
      const bodies: [string, string][] = [
        ['application/json', '{bad'],
        ['application/json', JSON.stringify({ Name: 'x'.repeat(70_000) })],
        ['text/plain', 'hello'],
      ];
      for (const [type, body] of bodies) {
        const res = await ts.http().post('/admin/v1/instances').set('Content-Type', type).send(body);
        expect({ type, status: res.status, error: res.body.error }).toEqual({ type, status: 401, error: 'unauthorized' });
        expect(res.headers['www-authenticate']).toBe('Bearer realm="admin"');
      }
      // With the key, the body is read and judged.
      expect((await ts.http().post('/admin/v1/instances').set(auth).set('Content-Type', 'application/json').send('{bad')).status).toBe(400);
      // Unknown admin URLs and wrong methods too ask for the key first.
      expect((await ts.http().get('/admin/v1/nothing-here')).status).toBe(401);
      expect((await ts.http().put('/admin/v1/instances')).status).toBe(401);
      expect((await ts.http().get('/metrics')).status).toBe(401);
    });

    it('an address that presents too many wrong keys gets 429 for the rest of the minute, with the right key too; other addresses do not', async () => {
      const proxied = await startTestServer({ TRUST_PROXY: 'true' });
      try {
        const from = (address: string, key?: string) => {
          const req = proxied.http().get('/admin/v1/instances').set('X-Forwarded-For', address);
          return key ? req.set('Authorization', `Bearer ${key}`) : req;
        };
        const guesser = '203.0.113.7';
        for (let i = 0; i < ADMIN_KEY_GUESSES_PER_MINUTE; i++) expect((await from(guesser, `wrong-key-guess-${i}-0000000`)).status).toBe(401);
        const refused = await from(guesser, 'wrong-key-guess-again-00000');
        expect(refused.status).toBe(429);
        expect(refused.body.error).toBe('too_many_requests');
        expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
        // The right key is no way out: a guess must cost the same whether it is right or not.
        expect((await from(guesser, ADMIN_KEY)).status).toBe(429);
        // No key at all is no guess.
        expect((await from(guesser)).status).toBe(401);
        // The client writes the X-Forwarded-For entries left of the proxy's own: they change nothing.
        expect((await from(`10.9.9.9, ${guesser}`, 'wrong-key-guess-spoofed-000')).status).toBe(429);
        expect((await from(`${guesser}, 10.9.9.9`, 'wrong-key-guess-other-00000')).status).toBe(401);
        expect((await from('203.0.113.8', ADMIN_KEY)).status).toBe(200);
      } finally {
        await proxied.close();
      }
    });
  });

  describe('instances', () => {
    it('deletes at the same moment: one 204, the others 404 (instances, users, applications)', async () => {
      const once = async (path: string) => {
        const statuses = (await Promise.all([1, 2, 3, 4].map(() => ts.http().delete(path).set(auth)))).map((r) => r.status).sort();
        expect({ path, statuses }).toEqual({ path, statuses: [204, 404, 404, 404] });
      };
      const instance = await createInstance(ts);
      await ts.http().post(`/admin/v1/instances/${instance.name}/users`).set(auth).send({ Login: 'gone' }).expect(201);
      await once(`/admin/v1/instances/${instance.name}/users/gone`);
      await ts.http().post(`/admin/v1/instances/${instance.name}/trusted-applications`).set(auth).send({ Name: 'A', ApplicationUri: 'gone.example', ApplicationSecretHash: hashSecret('x') }).expect(201);
      await once(`/admin/v1/instances/${instance.name}/trusted-applications/gone.example`);
      await once(`/admin/v1/instances/${instance.name}`);
    });

    it('lists in pages (limit, after), finds the instance of a host, and refuses parameters it does not know', async () => {
      const prefix = unique('pg');
      for (const suffix of ['a', 'b', 'c']) {
        await ts.http().post('/admin/v1/instances').set(auth).send({ Name: `${prefix}-${suffix}`, Hosts: [`${prefix}-${suffix}.example`], Database: 'D' }).expect(201);
      }
      const names = (res: { body: { Name: string }[] }) => res.body.map((i) => i.Name);
      const first = await ts.http().get('/admin/v1/instances').query({ after: prefix, limit: '2' }).set(auth).expect(200);
      expect(names(first)).toEqual([`${prefix}-a`, `${prefix}-b`]);
      const next = await ts.http().get('/admin/v1/instances').query({ after: `${prefix}-b`, limit: '1' }).set(auth).expect(200);
      expect(names(next)).toEqual([`${prefix}-c`]);
      const byHost = await ts.http().get('/admin/v1/instances').query({ host: `${prefix}-b.EXAMPLE:443` }).set(auth).expect(200);
      expect(names(byHost)).toEqual([`${prefix}-b`]);
      expect((await ts.http().get('/admin/v1/instances').query({ host: 'nobody.example' }).set(auth).expect(200)).body).toEqual([]);
      for (const query of ['offset=10', 'limit=0', 'limit=1001', 'limit=x', 'limit=1&limit=2', 'after=a&after=b']) {
        const res = await ts.http().get(`/admin/v1/instances?${query}`).set(auth);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
      }
      const users = `/admin/v1/instances/${prefix}-a/users`;
      for (const login of ['u1', 'u2', 'u3']) await ts.http().post(users).set(auth).send({ Login: login }).expect(201);
      expect((await ts.http().get(users).query({ after: 'u1', limit: '1' }).set(auth).expect(200)).body.map((u: { Login: string }) => u.Login)).toEqual(['u2']);
      const apps = `/admin/v1/instances/${prefix}-a/trusted-applications`;
      for (const uri of ['a.example', 'b.example']) await ts.http().post(apps).set(auth).send({ Name: uri, ApplicationUri: uri, ApplicationSecretHash: hashSecret('x') }).expect(201);
      expect((await ts.http().get(apps).query({ after: 'a.example' }).set(auth).expect(200)).body.map((a: { ApplicationUri: string }) => a.ApplicationUri)).toEqual(['b.example']);
      expect((await ts.http().get(apps).query({ page: '2' }).set(auth)).status).toBe(400);
    });

    it('creates, reads, lists, updates and deletes', async () => {
      const name = unique('adm');
      const created = await ts.http().post('/admin/v1/instances').set(auth).send({ Name: name, Hosts: [`${name}.my.erp.net`], Database: 'E1_X', Type: 'Instance' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ Name: name, Hosts: [`${name}.my.erp.net`], Database: 'E1_X', Type: 'Instance', ErpNetIdSignInEnabled: false, AccessTokenLifetime: 3600, WebSites: [] });
      await ts.http().get(`/admin/v1/instances/${name}`).set(auth).expect(200);
      const list = await ts.http().get('/admin/v1/instances').set(auth).expect(200);
      expect(list.body.map((i: { Name: string }) => i.Name)).toContain(name);
      const patched = await ts.http().patch(`/admin/v1/instances/${name}`).set(auth).send({ Database: 'E1_Y', ErpNetIdSignInEnabled: true, IdentityTokenLifetime: 600 }).expect(200);
      expect(patched.body).toMatchObject({ Database: 'E1_Y', ErpNetIdSignInEnabled: true, IdentityTokenLifetime: 600 });
      await ts.http().delete(`/admin/v1/instances/${name}`).set(auth).expect(204);
      await ts.http().get(`/admin/v1/instances/${name}`).set(auth).expect(404);
    });

    it('400 with the reason field by field', async () => {
      const res = await ts.http().post('/admin/v1/instances').set(auth).send({ Name: 'bad name!', Hosts: ['https://x'], Type: 'Other', Unknown: 1 });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(Object.keys(res.body.errors).sort()).toEqual(['Database', 'Hosts', 'Name', 'Type', 'Unknown'].sort());
    });

    it('409 for a duplicate name or a host already served', async () => {
      const a = await createInstance(ts);
      const dupName = await ts.http().post('/admin/v1/instances').set(auth).send({ Name: a.name.toUpperCase(), Hosts: [`other-${a.host}`], Database: 'D' });
      expect(dupName.status).toBe(409);
      const dupHost = await ts.http().post('/admin/v1/instances').set(auth).send({ Name: unique('x'), Hosts: [a.host], Database: 'D' });
      expect(dupHost.status).toBe(409);
    });

    it('404 for an unknown instance everywhere', async () => {
      for (const path of ['', '/users', '/trusted-applications', '/keys']) {
        const res = await ts.http().get(`/admin/v1/instances/does-not-exist${path}`).set(auth);
        expect(res.status).toBe(404);
        expect(res.body.error).toBe('not_found');
      }
    });

    it('400, not 500, for a malformed JSON body', async () => {
      const res = await ts.http().post('/admin/v1/instances').set(auth).set('Content-Type', 'application/json').send('{"Name":');
      expect(res.status).toBe(400);
    });
  });

  describe('trusted applications', () => {
    it('applies ERP.net defaults and never returns the secret hash', async () => {
      const instance = await createInstance(ts);
      const hash = hashSecret('s3cret');
      const res = await ts.http().post(`/admin/v1/instances/${instance.name}/trusted-applications`).set(auth).send({ Name: 'App', ApplicationUri: 'myapp.myhost.net', ApplicationSecretHash: hash });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        ApplicationUri: 'myapp.myhost.net',
        IsEnabled: true,
        ClientType: 'Confidential',
        AccessTokens: 'None',
        BasicAuthenticationAllowed: false,
        HasApplicationSecret: true,
      });
      expect(JSON.stringify(res.body)).not.toContain(hash);
      const got = await ts.http().get(`/admin/v1/instances/${instance.name}/trusted-applications/myapp.myhost.net`).set(auth).expect(200);
      expect(got.body.ApplicationSecretHash).toBeUndefined();
      const list = await ts.http().get(`/admin/v1/instances/${instance.name}/trusted-applications`).set(auth).expect(200);
      expect(JSON.stringify(list.body)).not.toContain(hash);
    });

    it('validates the secret hash, URL lists and scopes', async () => {
      const instance = await createInstance(ts);
      const res = await ts.http().post(`/admin/v1/instances/${instance.name}/trusted-applications`).set(auth).send({
        Name: 'App',
        ApplicationUri: 'a.example',
        ApplicationSecretHash: 'not-a-hash',
        ImpersonateLoginUrl: 'https://ok.example/cb, not a url',
        Scope: 'read "bad"',
      });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.errors).sort()).toEqual(['ApplicationSecretHash', 'ImpersonateLoginUrl', 'Scope']);
    });

    it('requires a secret for a Confidential application and refuses an unknown SystemUser', async () => {
      const instance = await createInstance(ts);
      const noSecret = await ts.http().post(`/admin/v1/instances/${instance.name}/trusted-applications`).set(auth).send({ Name: 'App', ApplicationUri: 'a.example' });
      expect(noSecret.status).toBe(400);
      expect(noSecret.body.errors).toHaveProperty('ApplicationSecretHash');
      const badUser = await ts.http().post(`/admin/v1/instances/${instance.name}/trusted-applications`).set(auth).send({ Name: 'App', ApplicationUri: 'a.example', ApplicationSecretHash: hashSecret('x'), SystemUser: 'ghost' });
      expect(badUser.status).toBe(400);
      expect(badUser.body.errors).toHaveProperty('SystemUser');
    });

    it('a BackChannelLogoutUri on a port HTTP clients refuse is 400: the logout could never be sent', async () => {
      const instance = await createInstance(ts);
      const base = `/admin/v1/instances/${instance.name}/trusted-applications`;
      for (const [uri, status] of [['http://rp.example:4190/logout', 400], ['http://rp.example:6667/logout', 400], ['https://rp.example:8443/logout', 201]] as const) {
        const res = await ts.http().post(base).set(auth).send({ Name: 'A', ApplicationUri: unique('bcl'), ApplicationSecretHash: hashSecret('x'), BackChannelLogoutUri: uri });
        expect({ uri, status: res.status }).toEqual({ uri, status });
      }
    });

    it('409 for a duplicate ApplicationUri; PUT replaces, PATCH merges, DELETE removes', async () => {
      const instance = await createInstance(ts);
      const base = `/admin/v1/instances/${instance.name}/trusted-applications`;
      const body = { Name: 'App', ApplicationUri: 'dup.example', ApplicationSecretHash: hashSecret('x'), Scope: 'read', Notes: 'n' };
      await ts.http().post(base).set(auth).send(body).expect(201);
      await ts.http().post(base).set(auth).send(body).expect(409);
      const put = await ts.http().put(`${base}/dup.example`).set(auth).send({ Name: 'Renamed', ApplicationUri: 'dup.example' }).expect(200);
      expect(put.body).toMatchObject({ Name: 'Renamed', Scope: '', Notes: null, HasApplicationSecret: true });
      // PUT replaces the application at its URL: another ApplicationUri (a rename) is PATCH's.
      const moved = await ts.http().put(`${base}/dup.example`).set(auth).send({ Name: 'Moved', ApplicationUri: 'moved.example' });
      expect(moved.status).toBe(400);
      expect(moved.body.errors).toHaveProperty('ApplicationUri');
      await ts.http().get(`${base}/dup.example`).set(auth).expect(200);
      const patch = await ts.http().patch(`${base}/dup.example`).set(auth).send({ Scope: 'read update' }).expect(200);
      expect(patch.body).toMatchObject({ Name: 'Renamed', Scope: 'read update' });
      await ts.http().delete(`${base}/dup.example`).set(auth).expect(204);
      await ts.http().get(`${base}/dup.example`).set(auth).expect(404);
    });
  });

  describe('users', () => {
    it('EmailVerified speaks of the Email: never true without one, and false again when the address changes', async () => {
      const instance = await createInstance(ts);
      const base = `/admin/v1/instances/${instance.name}/users`;
      const none = await ts.http().post(base).set(auth).send({ Login: 'nomail', EmailVerified: true });
      expect(none.status).toBe(400);
      expect(none.body.errors).toHaveProperty('EmailVerified');
      await ts.http().post(base).set(auth).send({ Login: 'ann', Email: 'ann@example.com', EmailVerified: true }).expect(201);
      // The same address in another case is the same address.
      expect((await ts.http().patch(`${base}/ann`).set(auth).send({ Email: 'Ann@Example.com' }).expect(200)).body.EmailVerified).toBe(true);
      expect((await ts.http().patch(`${base}/ann`).set(auth).send({ Email: 'ann@elsewhere.example' }).expect(200)).body.EmailVerified).toBe(false);
      expect((await ts.http().patch(`${base}/ann`).set(auth).send({ Email: 'ann@new.example', EmailVerified: true }).expect(200)).body.EmailVerified).toBe(true);
      expect((await ts.http().patch(`${base}/ann`).set(auth).send({ Email: null }).expect(200)).body.EmailVerified).toBe(false);
      expect((await ts.http().patch(`${base}/ann`).set(auth).send({ EmailVerified: true })).status).toBe(400);
    });

    it('creates with an Id and never returns a password or hash', async () => {
      const instance = await createInstance(ts);
      const res = await ts.http().post(`/admin/v1/instances/${instance.name}/users`).set(auth).send({
        Login: 'john.doe', Email: 'john.doe@example.com', Name: 'John Doe', Password: 'a long password', UserType: 'InternalUser', IsAdmin: true, Locale: 'bg', EmailVerified: true, Active: true,
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ Id: expect.stringMatching(/^[0-9a-f-]{36}$/), Login: 'john.doe', IsAdmin: true, Locale: 'bg' });
      const text = JSON.stringify(res.body) + JSON.stringify((await ts.http().get(`/admin/v1/instances/${instance.name}/users`).set(auth)).body);
      expect(text).not.toMatch(/password|argon2/i);
    });

    it('409 for a duplicate Login (case-insensitive), 400 for a bad email, 404 for unknown', async () => {
      const instance = await createInstance(ts);
      const base = `/admin/v1/instances/${instance.name}/users`;
      await ts.http().post(base).set(auth).send({ Login: 'Jane', Name: 'Jane' }).expect(201);
      await ts.http().post(base).set(auth).send({ Login: 'jane', Name: 'Jane' }).expect(409);
      const bad = await ts.http().post(base).set(auth).send({ Login: 'x', Email: 'nope', UserType: 'Robot' });
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.body.errors).sort()).toEqual(['Email', 'UserType']);
      await ts.http().get(`${base}/nobody`).set(auth).expect(404);
      await ts.http().patch(`${base}/jane`).set(auth).send({ Active: false }).expect(200);
      await ts.http().delete(`${base}/JANE`).set(auth).expect(204);
    });

    it('409 when an Email is another user\'s Email or Login, or a Login another user\'s Email', async () => {
      const instance = await createInstance(ts);
      const base = `/admin/v1/instances/${instance.name}/users`;
      await ts.http().post(base).set(auth).send({ Login: 'alice', Email: 'alice@example.com', Password: 'a long password' }).expect(201);
      const sameEmail = await ts.http().post(base).set(auth).send({ Login: 'mallory', Email: 'ALICE@example.com' });
      expect(sameEmail.status).toBe(409);
      expect(sameEmail.body.error_description).toMatch(/Email/);
      await ts.http().post(base).set(auth).send({ Login: 'Alice@Example.com' }).expect(409);
      await ts.http().post(base).set(auth).send({ Login: 'bob', Email: 'ALICE' }).expect(400); // not an email at all
      await ts.http().post(base).set(auth).send({ Login: 'bob', Email: 'bob@example.com' }).expect(201);
      await ts.http().patch(`${base}/bob`).set(auth).send({ Email: 'alice@example.com' }).expect(409);
      // A user keeps their own Email, and may take their own Login as Email.
      await ts.http().patch(`${base}/alice`).set(auth).send({ Email: 'Alice@Example.com', Name: 'Alice' }).expect(200);
      await ts.http().post(base).set(auth).send({ Login: 'carol@example.com', Email: 'carol@example.com' }).expect(201);
      // Alice still signs in by her Email: nobody else answers to it.
      const users = (await ts.http().get(base).set(auth).expect(200)).body as { Email: string | null }[];
      expect(users.filter((u) => u.Email?.toLowerCase() === 'alice@example.com')).toHaveLength(1);
    });

    it('refuses control and invisible characters in a Login, and a Login not in NFC', async () => {
      const instance = await createInstance(ts);
      const base = `/admin/v1/instances/${instance.name}/users`;
      for (const login of ['bell\u0007', 'ad\u200bmin', '\u00adadmin', 'jose\u0301']) {
        const res = await ts.http().post(base).set(auth).send({ Login: login });
        expect(res.status).toBe(400);
        expect(res.body.errors).toHaveProperty('Login');
      }
      await ts.http().post(base).set(auth).send({ Login: 'jos\u00e9' }).expect(201);
    });

    it('a user that is an application\'s SystemUser is neither deleted nor renamed (409)', async () => {
      const instance = await createInstance(ts);
      const base = `/admin/v1/instances/${instance.name}`;
      await ts.http().post(`${base}/users`).set(auth).send({ Login: 'svc' }).expect(201);
      await ts.http().post(`${base}/trusted-applications`).set(auth).send({ Name: 'App', ApplicationUri: 'svc.app', ApplicationSecretHash: hashSecret('x'), SystemUser: 'SVC', SystemUserAllowed: true }).expect(201);
      const del = await ts.http().delete(`${base}/users/svc`).set(auth);
      expect(del.status).toBe(409);
      expect(del.body.error_description).toContain('svc.app');
      await ts.http().patch(`${base}/users/svc`).set(auth).send({ Login: 'svc2' }).expect(409);
      await ts.http().patch(`${base}/users/svc`).set(auth).send({ Login: 'Svc', Name: 'Service' }).expect(200); // only its case
      await ts.http().patch(`${base}/trusted-applications/svc.app`).set(auth).send({ SystemUser: null }).expect(200);
      await ts.http().delete(`${base}/users/svc`).set(auth).expect(204);
    });

    it('a user made SystemUserNoLogin loses the password', async () => {
      const instance = await createInstance(ts);
      const base = `/admin/v1/instances/${instance.name}/users`;
      await ts.http().post(base).set(auth).send({ Login: 'robot', Password: 'a long password' }).expect(201);
      await ts.http().patch(`${base}/robot`).set(auth).send({ UserType: 'SystemUserNoLogin', Password: 'another password' }).expect(400);
      await ts.http().patch(`${base}/robot`).set(auth).send({ UserType: 'SystemUserNoLogin' }).expect(200);
      // Made a person again, it has no password until one is set.
      await ts.http().patch(`${base}/robot`).set(auth).send({ UserType: 'InternalUser' }).expect(200);
      const row = await ts.server.app.get(DataSource).query('SELECT password_hash FROM users WHERE login = $1', ['robot']);
      expect(row[0].password_hash).toBeNull();
    });
  });

  describe('null', () => {
    it.each([
      ['PATCH an instance', 'patch', (i: string) => `/admin/v1/instances/${i}`, { WebSites: null }],
      ['PATCH an instance setting', 'patch', (i: string) => `/admin/v1/instances/${i}`, { AccessTokenLifetime: null }],
      ['PATCH an application', 'patch', (i: string) => `/admin/v1/instances/${i}/trusted-applications/nulls.app`, { IsEnabled: null }],
      ['POST an application', 'post', (i: string) => `/admin/v1/instances/${i}/trusted-applications`, { Name: 'n', ApplicationUri: 'n1', ClientType: 'Public', Scope: null }],
      ['PATCH a user', 'patch', (i: string) => `/admin/v1/instances/${i}/users/nulls`, { Active: null }],
    ] as const)('is refused field by field (400), not stored and not a 500: %s', async (_name, method, path, body) => {
      const instance = await createInstance(ts);
      await ts.http().post(`/admin/v1/instances/${instance.name}/users`).set(auth).send({ Login: 'nulls' }).expect(201);
      await ts.http().post(`/admin/v1/instances/${instance.name}/trusted-applications`).set(auth).send({ Name: 'App', ApplicationUri: 'nulls.app', ClientType: 'Public' }).expect(201);
      const res = await ts.http()[method](path(instance.name)).set(auth).send(body);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.errors)).toEqual(Object.keys(body).filter((k) => (body as Record<string, unknown>)[k] === null));
    });

    it('is refused in a new instance\'s settings', async () => {
      const res = await ts.http().post('/admin/v1/instances').set(auth).send({ Name: unique('n'), Hosts: [`${unique('n')}.example`], Database: 'D', AccessTokenLifetime: null, TokenRateLimitPerIp: null });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.errors).sort()).toEqual(['AccessTokenLifetime', 'TokenRateLimitPerIp']);
    });

    it('clears what it may clear', async () => {
      const instance = await createInstance(ts);
      const base = `/admin/v1/instances/${instance.name}`;
      await ts.http().post(`${base}/users`).set(auth).send({ Login: 'u', Email: 'u@example.com', Locale: 'bg' }).expect(201);
      const user = await ts.http().patch(`${base}/users/u`).set(auth).send({ Email: null, Locale: null }).expect(200);
      expect(user.body).toMatchObject({ Email: null, Locale: null });
      await ts.http().post(`${base}/trusted-applications`).set(auth).send({ Name: 'App', ApplicationUri: 'c.app', ApplicationSecretHash: hashSecret('x'), Notes: 'n' }).expect(201);
      const app = await ts.http().patch(`${base}/trusted-applications/c.app`).set(auth).send({ Notes: null }).expect(200);
      expect(app.body.Notes).toBeNull();
    });
  });

  describe('what parsers read differently', () => {
    it.each(['1.2.3', '0x7f.1', '999.1.1.1', 'host.1'])('refuses the host %s, which a URL parser reads as another address', async (host) => {
      const res = await ts.http().post('/admin/v1/instances').set(auth).send({ Name: unique('h'), Hosts: [host], Database: 'D' });
      expect(res.status).toBe(400);
      expect(res.body.errors).toHaveProperty('Hosts');
    });

    it.each([
      'http://a.example/c b',
      'http:/a.example/cb',
      'https://*.example.com/cb',
      'https://user:pw@a.example/cb',
      'file:///etc/passwd',
      'https://a.example/cb,,https://b.example/cb',
      'https://a.example/cb,',
    ])('refuses the redirect URI list %j', async (list) => {
      const instance = await createInstance(ts);
      const res = await ts.http().post(`/admin/v1/instances/${instance.name}/trusted-applications`).set(auth).send({ Name: 'App', ApplicationUri: 'r.app', ClientType: 'Public', ImpersonateLoginUrl: list });
      expect(res.status).toBe(400);
      expect(res.body.errors).toHaveProperty('ImpersonateLoginUrl');
    });

    it('accepts a list with spaces around its commas, and an empty one', async () => {
      const instance = await createInstance(ts);
      const base = `/admin/v1/instances/${instance.name}/trusted-applications`;
      await ts.http().post(base).set(auth).send({ Name: 'App', ApplicationUri: 'r1.app', ClientType: 'Public', ImpersonateLoginUrl: 'https://a.example/cb , com.example.app:/cb' }).expect(201);
      await ts.http().post(base).set(auth).send({ Name: 'App', ApplicationUri: 'r2.app', ClientType: 'Public', ImpersonateLoginUrl: '' }).expect(201);
    });

    it('refuses logout URIs that are not http(s): the server calls or frames them', async () => {
      const instance = await createInstance(ts);
      const res = await ts.http().post(`/admin/v1/instances/${instance.name}/trusted-applications`).set(auth).send({ Name: 'App', ApplicationUri: 'l.app', ClientType: 'Public', FrontChannelLogoutUri: 'ftp://x.example/y', BackChannelLogoutUri: 'com.example.app:/logout' });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.errors).sort()).toEqual(['BackChannelLogoutUri', 'FrontChannelLogoutUri']);
    });

    it('refuses text with a lone UTF-16 surrogate, which would be stored as another character', async () => {
      const instance = await createInstance(ts);
      const res = await ts.http().post(`/admin/v1/instances/${instance.name}/users`).set(auth).set('Content-Type', 'application/json').send('{"Login":"u3\\ud800","Name":"n"}');
      expect(res.status).toBe(400);
      expect(res.body.errors).toHaveProperty('Login');
      await ts.http().post(`/admin/v1/instances/${instance.name}/users`).set(auth).send({ Login: 'u4', Name: 'emoji \u{1F600} is whole' }).expect(201);
    });

    it('refuses a WebSite of Type ID in any case (auto-discovery lists the Identity Server itself)', async () => {
      for (const type of ['ID', 'id', 'Id']) {
        const res = await ts.http().post('/admin/v1/instances').set(auth).send({ Name: unique('w'), Hosts: [`${unique('w')}.example`], Database: 'D', WebSites: [{ Type: type, Url: 'https://x.example/id' }] });
        expect(res.status).toBe(400);
        expect(res.body.errors).toHaveProperty(['WebSites.0.Type']);
      }
    });

    it('WebSites are published to anyone: a Type once, an http(s) URL without credentials or fragment, string AdditionalProperties', async () => {
      const create = (WebSites: unknown) => ts.http().post('/admin/v1/instances').set(auth).send({ Name: unique('w'), Hosts: [`${unique('w')}.example`], Database: 'D', WebSites });
      const site = { Type: 'DomainAPI', Status: 'Working', Url: 'https://x.example/api' };
      for (const [name, sites] of [
        ['a Type twice', [site, { ...site, Type: 'domainapi' }]],
        ['credentials in the URL', [{ ...site, Url: 'https://user:pw@x.example/api' }]],
        ['a fragment', [{ ...site, Url: 'https://x.example/api#x' }]],
        ['another scheme', [{ ...site, Url: 'javascript:alert(1)' }]],
        ['a nested AdditionalProperties value', [{ ...site, AdditionalProperties: { ODataServiceRoot: { a: 1 } } }]],
        ['a number in AdditionalProperties', [{ ...site, AdditionalProperties: { Port: 443 } }]],
        ['a Type that is no name', [{ ...site, Type: 'Domain API' }]],
      ] as const) {
        const res = await create(sites);
        expect({ name, status: res.status }).toEqual({ name, status: 400 });
      }
      const ok = await create([{ ...site, AdditionalProperties: { ODataServiceRoot: 'https://x.example/api/domain/odata/' } }, { Type: 'TableAPI', Url: 'http://x.example/api/table' }]);
      expect(ok.status).toBe(201);
    });

    it('refuses a body on POST …/keys/rotate, and rotates without one or with {}', async () => {
      const instance = await createInstance(ts);
      const path = `/admin/v1/instances/${instance.name}/keys/rotate`;
      const res = await ts.http().post(path).set(auth).send({ x: 1 });
      expect(res.status).toBe(400);
      expect((await ts.http().get(`/admin/v1/instances/${instance.name}/keys`).set(auth)).body).toHaveLength(1);
      await ts.http().post(path).set(auth).expect(201);
      await ts.http().post(path).set(auth).send({}).expect(201);
    });
  });
});
