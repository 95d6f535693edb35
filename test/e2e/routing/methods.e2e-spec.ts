import { auth, createInstance, type InstanceFixture } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';

describe('a known URL asked with a method it does not take: 405 with Allow', () => {
  let ts: TestServer;
  let instance: InstanceFixture;
  beforeAll(async () => {
    ts = await startTestServer();
    instance = await createInstance(ts);
  });
  afterAll(() => ts.close());

  const methods = (allow: string | undefined) => (allow ?? '').split(', ');

  it('the token endpoint asked with GET: 405, Allow POST, the JSON error format, no store', async () => {
    const res = await ts.http().get('/id/connect/token?client_id=x&client_secret=s3cret').set('Host', instance.host);
    expect(res.status).toBe(405);
    expect(methods(res.headers.allow)).toContain('POST');
    expect(methods(res.headers.allow)).not.toContain('GET');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(/^GET is not allowed at this URL, which takes .*POST/) });
    expect(JSON.stringify(res.body)).not.toContain('s3cret');
  });

  it('discovery and JWKS asked with POST or DELETE: 405, Allow GET, HEAD', async () => {
    for (const [method, path] of [
      ['post', '/id/.well-known/openid-configuration'],
      ['delete', '/id/.well-known/openid-configuration/jwks'],
      ['put', '/sys/auto-discovery'],
    ] as const) {
      const res = await ts.http()[method](path).set('Host', instance.host);
      expect({ path, status: res.status }).toEqual({ path, status: 405 });
      expect(methods(res.headers.allow)).toEqual(['GET', 'HEAD']);
    }
  });

  it('the admin API: each resource names the methods it takes', async () => {
    const one = await ts.http().put(`/admin/v1/instances/${instance.name}`).set(auth).send({});
    expect(one.status).toBe(405);
    expect(methods(one.headers.allow)).toEqual(expect.arrayContaining(['GET', 'PATCH', 'DELETE']));
    expect(methods(one.headers.allow)).not.toContain('PUT');
    const list = await ts.http().delete('/admin/v1/instances').set(auth);
    expect(list.status).toBe(405);
    expect(methods(list.headers.allow)).toEqual(expect.arrayContaining(['GET', 'POST']));
  });

  it('a browser page asked with another method gets the error page with status 405', async () => {
    const res = await ts.http().put('/id/connect/authorize').set('Host', instance.host);
    expect(res.status).toBe(405);
    expect(methods(res.headers.allow)).toEqual(expect.arrayContaining(['GET', 'POST']));
    expect(res.headers['content-type']).toMatch(/^text\/html/);
  });

  it('a URL the server does not route is still 404, and so is a resource that does not exist', async () => {
    const unknown = await ts.http().get('/id/connect/nothing-here').set('Host', instance.host);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.allow).toBeUndefined();
    expect(unknown.body.error).toBe('not_found');
    // An empty path segment is no instance name: 404, never a 405 that lists the method asked with.
    for (const path of ['/admin/v1/instances/', `/admin/v1/instances/${instance.name}/users/`, '/admin/v1/instances//users']) {
      const empty = await ts.http().get(path).set(auth);
      expect({ path, status: empty.status }).toEqual({ path, status: 404 });
    }
    const missing = await ts.http().get('/admin/v1/instances/no-such-instance').set(auth);
    expect(missing.status).toBe(404);
    expect(missing.headers.allow).toBeUndefined();
  });

  it('the methods it does take still work', async () => {
    await ts.http().get('/id/.well-known/openid-configuration').set('Host', instance.host).expect(200);
    await ts.http().head('/id/.well-known/openid-configuration').set('Host', instance.host).expect(200);
    const token = await ts.http().post('/id/connect/token').set('Host', instance.host).type('form').send({ grant_type: 'client_credentials' });
    expect(token.status).toBe(401);
  });
});
