import { hashSecret } from '@app/oauth-core';
import { auth, createInstance } from '../../utils/fixtures';
import { startTestServer, unique, type TestServer } from '../../utils/test-server';

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
  });

  describe('instances', () => {
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

    it('409 for a duplicate ApplicationUri; PUT replaces, PATCH merges, DELETE removes', async () => {
      const instance = await createInstance(ts);
      const base = `/admin/v1/instances/${instance.name}/trusted-applications`;
      const body = { Name: 'App', ApplicationUri: 'dup.example', ApplicationSecretHash: hashSecret('x'), Scope: 'read', Notes: 'n' };
      await ts.http().post(base).set(auth).send(body).expect(201);
      await ts.http().post(base).set(auth).send(body).expect(409);
      const put = await ts.http().put(`${base}/dup.example`).set(auth).send({ Name: 'Renamed', ApplicationUri: 'dup.example' }).expect(200);
      expect(put.body).toMatchObject({ Name: 'Renamed', Scope: '', Notes: null, HasApplicationSecret: true });
      const patch = await ts.http().patch(`${base}/dup.example`).set(auth).send({ Scope: 'read update' }).expect(200);
      expect(patch.body).toMatchObject({ Name: 'Renamed', Scope: 'read update' });
      await ts.http().delete(`${base}/dup.example`).set(auth).expect(204);
      await ts.http().get(`${base}/dup.example`).set(auth).expect(404);
    });
  });

  describe('users', () => {
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
  });
});
