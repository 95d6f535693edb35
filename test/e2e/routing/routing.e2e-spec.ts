import { connect } from 'node:net';
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

  it('one issuer however the host is spelled: lower case, the default port dropped, the port without leading zeros', async () => {
    const instance = await createInstance(ts);
    // The first request of a new instance goes through Fastify, the next ones through the fast lane: both agree.
    for (let i = 0; i < 2; i++) {
      for (const [host, issuer] of [
        [instance.host.toUpperCase(), `http://${instance.host}/id`],
        [`${instance.host}:80`, `http://${instance.host}/id`],
        [`${instance.host.toUpperCase()}:08443`, `http://${instance.host}:8443/id`],
      ]) {
        const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', host).expect(200);
        expect(res.body.issuer).toBe(issuer);
      }
    }
  });

  it('an absolute-form request target (RFC 9112 §3.2.2) must name the host that Host names', async () => {
    const instance = await createInstance(ts);
    const other = await createInstance(ts);
    const port = ts.port ?? (await ts.listen());
    /** The status line of a raw HTTP/1.1 request (supertest sends only origin-form targets). */
    const statusOf = (target: string, host: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
        let text = '';
        socket.on('data', (d) => (text += d.toString('latin1')));
        socket.on('end', () => resolve(text.split('\r\n')[0]));
        socket.on('error', reject);
      });
    const path = '/id/.well-known/openid-configuration';
    expect(await statusOf(`http://${instance.host}${path}`, instance.host)).toBe('HTTP/1.1 200 OK');
    expect(await statusOf(`http://${instance.host.toUpperCase()}:80${path}`, instance.host)).toBe('HTTP/1.1 200 OK');
    // Served as neither: the Host's instance nor the one the target names.
    expect(await statusOf(`http://${other.host}${path}`, instance.host)).toBe('HTTP/1.1 400 Bad Request');
    expect(await statusOf(`http://${instance.host}:8080${path}`, instance.host)).toBe('HTTP/1.1 400 Bad Request');
  });

  it('what the router refuses is answered in the same JSON error format', async () => {
    const instance = await createInstance(ts);
    const bad = await ts.http().get('/admin/v1/instances/%ZZ').set(auth);
    expect([bad.status, bad.body]).toEqual([400, { error: 'invalid_request', error_description: 'the path of the URL is not valid' }]);
    const onInstance = await ts.http().get('/id/%ZZ').set('Host', instance.host);
    expect([onInstance.status, onInstance.body.error]).toEqual([400, 'invalid_request']);
    const long = await ts.http().get(`/admin/v1/instances/${'n'.repeat(600)}`).set(auth);
    expect([long.status, long.body]).toEqual([414, { error: 'invalid_request', error_description: 'a segment of the path is too long' }]);
  });

  it('400 for port 0', async () => {
    const instance = await createInstance(ts);
    for (let i = 0; i < 2; i++) await ts.http().get('/id/.well-known/openid-configuration').set('Host', `${instance.host}:0`).expect(400);
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

  it('400 for an X-Forwarded-Host that is not host[:port], since it becomes the issuer', async () => {
    const instance = await createInstance(ts);
    for (let i = 0; i < 2; i++) {
      const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', 'internal:3000').set('X-Forwarded-Host', `${instance.host}:x"y`);
      expect(res.status).toBe(400);
    }
    const fine = await ts.http().get('/id/.well-known/openid-configuration').set('Host', 'internal:3000').set('X-Forwarded-Host', `${instance.host.toUpperCase()}:443`).set('X-Forwarded-Proto', 'https').expect(200);
    expect(fine.body.issuer).toBe(`https://${instance.host}/id`);
  });

  it('400 for an X-Forwarded-Proto other than http or https: it becomes the issuer and decides secure cookies and HSTS', async () => {
    const instance = await createInstance(ts);
    // The first request of an instance goes through Fastify, the next ones may take the fast lane: both refuse.
    for (const proto of ['javascript', 'HTTPS', 'https, javascript', 'ftp', 'https', 'https']) {
      const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', instance.host).set('X-Forwarded-Proto', proto);
      if (proto === 'https') {
        expect(res.status).toBe(200);
        expect(res.headers['strict-transport-security']).toBeDefined();
      } else {
        expect({ proto, status: res.status }).toEqual({ proto, status: 400 });
        expect(res.body).toEqual({ error: 'invalid_request', error_description: 'X-Forwarded-Proto must be http or https' });
      }
    }
  });
});

describe('TRUST_PROXY naming the proxies', () => {
  it('a proxy list that does not name the peer: its X-Forwarded-* headers count for nothing', async () => {
    const ts = await startTestServer({ TRUST_PROXY: '10.0.0.0/8' });
    try {
      const instance = await createInstance(ts);
      for (let i = 0; i < 2; i++) {
        const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', instance.host).set('X-Forwarded-Host', 'elsewhere.example').set('X-Forwarded-Proto', 'https').expect(200);
        expect(res.body.issuer).toBe(`http://${instance.host}/id`);
      }
    } finally {
      await ts.close();
    }
  });

  it('a proxy list that names the peer: they count', async () => {
    const ts = await startTestServer({ TRUST_PROXY: '127.0.0.1, ::1, ::ffff:127.0.0.1' });
    try {
      const instance = await createInstance(ts);
      for (let i = 0; i < 2; i++) {
        const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', 'internal:3000').set('X-Forwarded-Host', instance.host).set('X-Forwarded-Proto', 'https').expect(200);
        expect(res.body.issuer).toBe(`https://${instance.host}/id`);
      }
    } finally {
      await ts.close();
    }
  });
});
