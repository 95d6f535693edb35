import { auth, createInstance } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';

describe('host routing and auto-discovery', () => {
  let ts: TestServer;
  beforeAll(async () => (ts = await startTestServer()));
  afterAll(() => ts.close());

  it('answers 404 JSON for a host that belongs to no instance', async () => {
    const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', 'nobody.test.local');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not_found', error_description: 'no instance is served at this host' });
    const sys = await ts.http().get('/sys/auto-discovery').set('Host', 'nobody.test.local');
    expect(sys.status).toBe(404);
  });

  it('serves an instance created through the admin API on the next request, ignoring the port', async () => {
    const instance = await createInstance(ts);
    const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', `${instance.host}:8443`);
    expect(res.status).toBe(200);
    expect(res.body.issuer).toBe(`http://${instance.host}:8443/id`);
  });

  it('matches hosts case-insensitively', async () => {
    const instance = await createInstance(ts);
    const res = await ts.http().get('/sys/auto-discovery').set('Host', instance.host.toUpperCase());
    expect(res.status).toBe(200);
  });

  it('follows host changes and deletion without restart', async () => {
    const instance = await createInstance(ts);
    const newHost = `moved-${instance.host}`;
    await ts.http().get('/sys/auto-discovery').set('Host', instance.host).expect(200); // now cached
    await ts.http().patch(`/admin/v1/instances/${instance.name}`).set(auth).send({ Hosts: [newHost] }).expect(200);
    await ts.http().get('/sys/auto-discovery').set('Host', instance.host).expect(404);
    await ts.http().get('/sys/auto-discovery').set('Host', newHost).expect(200);
    await ts.http().delete(`/admin/v1/instances/${instance.name}`).set(auth).expect(204);
    await ts.http().get('/sys/auto-discovery').set('Host', newHost).expect(404);
  });

  it('ignores X-Forwarded-Host and X-Forwarded-Proto without TRUST_PROXY', async () => {
    const a = await createInstance(ts);
    const b = await createInstance(ts);
    const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', a.host).set('X-Forwarded-Host', b.host).set('X-Forwarded-Proto', 'https');
    expect(res.body.issuer).toBe(`http://${a.host}/id`);
  });

  it('lists the ID site first and then the instance web sites', async () => {
    const instance = await createInstance(ts, {
      WebSites: [{ Type: 'DomainAPI', Url: 'https://x.example/api', AdditionalProperties: { ODataServiceRoot: 'https://x.example/api/domain/odata/' } }],
    });
    const res = await ts.http().get('/sys/auto-discovery').set('Host', instance.host).expect(200);
    expect(res.body).toEqual({
      WebSites: [
        { Type: 'ID', Status: 'Working', Url: `http://${instance.host}/id` },
        { Type: 'DomainAPI', Status: 'Working', Url: 'https://x.example/api', AdditionalProperties: { ODataServiceRoot: 'https://x.example/api/domain/odata/' } },
      ],
    });
  });

  it('serves admin, health and readiness on any host', async () => {
    await ts.http().get('/healthz').set('Host', 'whatever.example').expect(200);
    await ts.http().get('/readyz').set('Host', 'whatever.example').expect(200, { status: 'ready' });
    await ts.http().get('/admin/v1/instances').set('Host', 'whatever.example').set(auth).expect(200);
  });
});

describe('host routing behind a trusted proxy', () => {
  let ts: TestServer;
  beforeAll(async () => (ts = await startTestServer({ TRUST_PROXY: 'true' })));
  afterAll(() => ts.close());

  it('takes the host and scheme from X-Forwarded-Host and X-Forwarded-Proto', async () => {
    const instance = await createInstance(ts);
    const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', 'internal:3000').set('X-Forwarded-Host', instance.host).set('X-Forwarded-Proto', 'https');
    expect(res.status).toBe(200);
    expect(res.body.issuer).toBe(`https://${instance.host}/id`);
  });
});
