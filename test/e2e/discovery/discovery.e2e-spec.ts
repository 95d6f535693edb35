import { compactVerify, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { auth, clientCredentialsSetup, createInstance } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';

describe('discovery and keys', () => {
  let ts: TestServer;
  beforeAll(async () => (ts = await startTestServer()));
  afterAll(() => ts.close());

  it('publishes the discovery document with the issuer of the request host', async () => {
    const instance = await createInstance(ts);
    const res = await ts.http().get('/id/.well-known/openid-configuration').set('Host', instance.host).expect(200);
    const iss = `http://${instance.host}/id`;
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(res.body).toMatchObject({
      issuer: iss,
      jwks_uri: `${iss}/.well-known/openid-configuration/jwks`,
      token_endpoint: `${iss}/connect/token`,
      token_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
      id_token_signing_alg_values_supported: ['RS256'],
    });
    expect(res.body.grant_types_supported).toEqual(['authorization_code', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'implicit']);
    expect(res.body.prompt_values_supported).toEqual(['none', 'login', 'select_account']);
    // A Public application authenticates with its client_id alone.
    expect(res.body.token_endpoint_auth_methods_supported).toContain('none');
    expect(res.body.revocation_endpoint_auth_methods_supported).toContain('none');
    expect(res.body.introspection_endpoint_auth_methods_supported).not.toContain('none');
  });

  it('serves the same metadata at the RFC 8414 address, the well-known suffix inserted before /id', async () => {
    const instance = await createInstance(ts);
    const oidc = await ts.http().get('/id/.well-known/openid-configuration').set('Host', instance.host).expect(200);
    const rfc8414 = await ts.http().get('/.well-known/oauth-authorization-server/id').set('Host', instance.host).set('Origin', 'https://any.example').expect(200);
    expect(rfc8414.body).toEqual(oidc.body);
    expect(rfc8414.body.issuer).toBe(`http://${instance.host}/id`);
    expect(rfc8414.headers['access-control-allow-origin']).toBe('*');
    expect(rfc8414.headers['cache-control']).toMatch(/max-age=\d+/);
    // An unknown host has no metadata, as it has no instance.
    expect((await ts.http().get('/.well-known/oauth-authorization-server/id').set('Host', 'nobody.test.local')).status).toBe(404);
  });

  it('JWKS is cached no longer than a new key waits before it signs (KEY_PROPAGATION_DELAY_SECONDS, at most 300 s), through Fastify and the fast lane', async () => {
    for (const [delay, cache] of [['20', 'public, max-age=20'], ['3600', 'public, max-age=300']]) {
      const other = await startTestServer({ KEY_PROPAGATION_DELAY_SECONDS: delay });
      try {
        const instance = await createInstance(other);
        for (let i = 0; i < 2; i++) {
          const res = await other.http().get('/id/.well-known/openid-configuration/jwks').set('Host', instance.host).expect(200);
          expect(res.headers['cache-control']).toBe(cache);
        }
        const doc = await other.http().get('/id/.well-known/openid-configuration').set('Host', instance.host).expect(200);
        expect(doc.headers['cache-control']).toBe('public, max-age=300');
      } finally {
        await other.close();
      }
    }
  });

  it('publishes public RSA keys only, with a 32-hex upper-case kid', async () => {
    const instance = await createInstance(ts);
    const res = await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', instance.host).expect(200);
    expect(res.body.keys).toHaveLength(1);
    const [key] = res.body.keys;
    expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(key).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', e: 'AQAB' });
    expect(key.kid).toMatch(/^[0-9A-F]{32}$/);
    expect(Buffer.from(key.n, 'base64url').length).toBe(256); // RSA-2048
  });

  it('gives every instance its own key', async () => {
    const a = await createInstance(ts);
    const b = await createInstance(ts);
    const ka = (await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', a.host)).body.keys[0];
    const kb = (await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', b.host)).body.keys[0];
    expect(ka.kid).not.toBe(kb.kid);
    expect(ka.n).not.toBe(kb.n);
  });

  it('lists keys through the admin API without private material', async () => {
    const instance = await createInstance(ts);
    const res = await ts.http().get(`/admin/v1/instances/${instance.name}/keys`).set(auth).expect(200);
    expect(res.body).toHaveLength(1);
    expect(res.body[0]).toMatchObject({ State: 'Active', Kid: expect.stringMatching(/^[0-9A-F]{32}$/) });
    expect(JSON.stringify(res.body)).not.toMatch(/"d"|privateKey|PRIVATE/);
  });

  it('rotates: the new key is published and signs, the old one stays published and its tokens still verify', async () => {
    const { instance, app } = await clientCredentialsSetup(ts);
    const token = async () =>
      (await ts.http().post('/id/connect/token').set('Host', instance.host).type('form').send({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret }).expect(200)).body.access_token as string;
    const before = await token();
    const oldKid = decodeProtectedHeader(before).kid;

    const rotated = await ts.http().post(`/admin/v1/instances/${instance.name}/keys/rotate`).set(auth).expect(201);
    expect(rotated.body.map((k: { State: string }) => k.State).sort()).toEqual(['Active', 'Retired']);

    const jwks = (await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', instance.host).expect(200)).body;
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(oldKid);
    expect(jwks.keys).toHaveLength(2);

    const after = await token();
    const newKid = decodeProtectedHeader(after).kid;
    expect(newKid).not.toBe(oldKid);
    const keySet = createLocalJWKSet(jwks);
    await expect(jwtVerify(before, keySet, { issuer: `http://${instance.host}/id` })).resolves.toBeDefined();
    await expect(jwtVerify(after, keySet, { issuer: `http://${instance.host}/id` })).resolves.toBeDefined();
  });
});

describe('key rotation with a propagation delay', () => {
  let ts: TestServer;
  beforeAll(async () => (ts = await startTestServer({ KEY_PROPAGATION_DELAY_SECONDS: '300' })));
  afterAll(() => ts.close());

  it('announces the new key in JWKS before it signs anything', async () => {
    const { instance, app } = await clientCredentialsSetup(ts);
    const oldKid = (await ts.http().get(`/admin/v1/instances/${instance.name}/keys`).set(auth)).body[0].Kid;
    const rotated = await ts.http().post(`/admin/v1/instances/${instance.name}/keys/rotate`).set(auth).expect(201);
    const pending = rotated.body.find((k: { State: string }) => k.State === 'Pending');
    expect(pending).toBeDefined();
    expect(rotated.body.find((k: { Kid: string }) => k.Kid === oldKid).State).toBe('Active');

    const jwks = (await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', instance.host)).body;
    expect(jwks.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([oldKid, pending.Kid].sort());

    const res = await ts.http().post('/id/connect/token').set('Host', instance.host).type('form').send({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret }).expect(200);
    expect(decodeProtectedHeader(res.body.access_token).kid).toBe(oldKid);
    await compactVerify(res.body.access_token, createLocalJWKSet(jwks));
  });

  it('keeps a retiring key published for the longer lifetime when the lifetimes are raised after the rotation', async () => {
    const { instance } = await clientCredentialsSetup(ts);
    const rotated = await ts.http().post(`/admin/v1/instances/${instance.name}/keys/rotate`).set(auth).expect(201);
    const old = rotated.body.find((k: { State: string }) => k.State === 'Active');
    const published = (key: { RetiresAt: string; ExpiresAt: string }) => (Date.parse(key.ExpiresAt) - Date.parse(key.RetiresAt)) / 1000;
    expect(published(old)).toBe(3600 + 60);

    await ts.http().patch(`/admin/v1/instances/${instance.name}`).set(auth).send({ AccessTokenLifetime: 86_400 }).expect(200);
    const keys = (await ts.http().get(`/admin/v1/instances/${instance.name}/keys`).set(auth).expect(200)).body;
    expect(published(keys.find((k: { Kid: string }) => k.Kid === old.Kid))).toBe(86_400 + 60);

    // Lowering them again shortens nothing: tokens of the longer lifetime may be out already.
    await ts.http().patch(`/admin/v1/instances/${instance.name}`).set(auth).send({ AccessTokenLifetime: 600 }).expect(200);
    const again = (await ts.http().get(`/admin/v1/instances/${instance.name}/keys`).set(auth).expect(200)).body;
    expect(published(again.find((k: { Kid: string }) => k.Kid === old.Kid))).toBe(86_400 + 60);
  });
});
