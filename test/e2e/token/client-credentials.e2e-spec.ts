import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { formEncode } from '@app/oauth-core';
import { auth, clientCredentialsSetup, createApplication, createInstance, createUser } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';

describe('token endpoint: client_credentials', () => {
  let ts: TestServer;
  beforeAll(async () => (ts = await startTestServer()));
  afterAll(() => ts.close());

  const tokenRequest = (host: string) => ts.http().post('/id/connect/token').set('Host', host).type('form');

  it('issues an at+jwt access token with the seed claims, verified against the served JWKS', async () => {
    const { instance, app, systemUser } = await clientCredentialsSetup(ts);
    const res = await tokenRequest(instance.host).send({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret, scope: 'read update' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'read update' });
    expect(res.body.refresh_token).toBeUndefined();

    const iss = `http://${instance.host}/id`;
    const jwks = (await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', instance.host)).body;
    const { payload, protectedHeader } = await jwtVerify(res.body.access_token, createLocalJWKSet(jwks), {
      issuer: iss,
      audience: 'DomainAPI',
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: jwks.keys[0].kid, typ: 'at+jwt' });
    expect(payload).toEqual({
      iss,
      aud: ['DomainAPI', 'TableAPI', 'OLAP', 'AppServer', `${iss}/resources`],
      iat: expect.any(Number),
      nbf: payload.iat,
      exp: (payload.iat as number) + 3600,
      jti: expect.stringMatching(/^[0-9A-F]{32}$/),
      client_id: app.clientId,
      scope: ['read', 'update'],
      client_db: instance.database,
      client_system_user: 'svc',
      client_system_user_type: 'InternalUser',
      client_system_user_id: systemUser.Id,
    });
    expect(payload.sub).toBeUndefined();
    expect(Math.abs((payload.iat as number) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('grants all of the application scope when none is requested', async () => {
    const { instance, app } = await clientCredentialsSetup(ts);
    const res = await tokenRequest(instance.host).send({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret }).expect(200);
    expect(res.body.scope).toBe('read update sec');
  });

  it('authenticates with client_secret_basic, form-encoding id and secret (RFC 6749 §2.3.1)', async () => {
    const instance = await createInstance(ts);
    await createUser(ts, instance, { Login: 'svc' });
    const app = await createApplication(ts, instance, { ApplicationUri: 'urn:app+x:1&y=%', SystemUser: 'svc', SystemUserAllowed: true, Scope: 'read' });
    const basic = Buffer.from(`${formEncode('urn:app+x:1&y=%')}:${formEncode(app.clientSecret)}`).toString('base64');
    const res = await tokenRequest(instance.host).set('Authorization', `Basic ${basic}`).send({ grant_type: 'client_credentials' });
    expect(res.status).toBe(200);
  });

  it('uses the per-instance access token lifetime', async () => {
    const { instance, app } = await clientCredentialsSetup(ts);
    await ts.http().patch(`/admin/v1/instances/${instance.name}`).set(auth).send({ AccessTokenLifetime: 600 }).expect(200);
    const res = await tokenRequest(instance.host).send({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret }).expect(200);
    expect(res.body.expires_in).toBe(600);
  });

  describe('errors (RFC 6749 §5.2)', () => {
    let setup: Awaited<ReturnType<typeof clientCredentialsSetup>>;
    beforeAll(async () => (setup = await clientCredentialsSetup(ts)));
    const good = () => ({ grant_type: 'client_credentials', client_id: setup.app.clientId, client_secret: setup.app.clientSecret });

    it.each([
      ['wrong secret', { client_secret: 'wrong' }],
      ['unknown client', { client_id: 'nobody.example.com' }],
      ['no secret for a confidential client', { client_secret: undefined }],
    ])('invalid_client (401) for %s', async (_name, change) => {
      const body: Record<string, unknown> = { ...good(), ...change };
      for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
      const res = await tokenRequest(setup.instance.host).send(body);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('invalid_client with WWW-Authenticate when Basic was used', async () => {
      const basic = Buffer.from(`${setup.app.clientId}:wrong`).toString('base64');
      const res = await tokenRequest(setup.instance.host).set('Authorization', `Basic ${basic}`).send({ grant_type: 'client_credentials' });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
    });

    it('invalid_request when two authentication methods are used', async () => {
      const basic = Buffer.from(`${setup.app.clientId}:${setup.app.clientSecret}`).toString('base64');
      const res = await tokenRequest(setup.instance.host).set('Authorization', `Basic ${basic}`).send(good());
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it('invalid_scope for a scope outside the application Scope', async () => {
      const res = await tokenRequest(setup.instance.host).send({ ...good(), scope: 'read admin' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_scope', error_description: 'scope not allowed for this application: admin' });
    });

    it('unsupported_grant_type', async () => {
      const res = await tokenRequest(setup.instance.host).send({ ...good(), grant_type: 'password' });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unsupported_grant_type');
    });

    it('invalid_request for a missing grant_type, a repeated parameter, or a non-form body', async () => {
      const missing = await tokenRequest(setup.instance.host).send({ client_id: setup.app.clientId, client_secret: setup.app.clientSecret });
      expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'missing required parameter(s) grant_type' });
      const repeated = await ts.http().post('/id/connect/token').set('Host', setup.instance.host).type('form').send('grant_type=client_credentials&scope=read&scope=update');
      expect(repeated.status).toBe(400);
      expect(repeated.body.error).toBe('invalid_request');
      const json = await ts.http().post('/id/connect/token').set('Host', setup.instance.host).send(good());
      expect(json.status).toBe(400);
      expect(json.body.error).toBe('invalid_request');
    });

    it.each([
      ['an empty body', ''],
      ['garbage', '%%%&&&==='],
      ['a huge value', `grant_type=${'x'.repeat(60_000)}`],
      ['binary', '\u0000\u0001\u0002'],
    ])('never a 500 for %s', async (_name, body) => {
      const res = await ts.http().post('/id/connect/token').set('Host', setup.instance.host).set('Content-Type', 'application/x-www-form-urlencoded').send(body);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(typeof res.body.error).toBe('string');
    });

    it('413 JSON for a body over the limit', async () => {
      const res = await ts.http().post('/id/connect/token').set('Host', setup.instance.host).type('form').send(`grant_type=${'x'.repeat(200_000)}`);
      expect(res.status).toBe(413);
      expect(res.body.error).toBe('invalid_request');
    });
  });

  it('unauthorized_client without SystemUserAllowed or without a SystemUser', async () => {
    const instance = await createInstance(ts);
    await createUser(ts, instance, { Login: 'svc' });
    const notAllowed = await createApplication(ts, instance, { SystemUser: 'svc', SystemUserAllowed: false });
    const noUser = await createApplication(ts, instance, { SystemUserAllowed: true });
    for (const app of [notAllowed, noUser]) {
      const res = await tokenRequest(instance.host).send({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unauthorized_client');
    }
  });

  it('unauthorized_client for a Public application', async () => {
    const instance = await createInstance(ts);
    const app = await createApplication(ts, instance, { ClientType: 'Public', ApplicationSecretHash: null });
    const res = await tokenRequest(instance.host).send({ grant_type: 'client_credentials', client_id: app.clientId });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('refuses a disabled application at once, and a deleted one', async () => {
    const { instance, app } = await clientCredentialsSetup(ts);
    const body = { grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret };
    await tokenRequest(instance.host).send(body).expect(200); // cached now
    await ts.http().patch(`/admin/v1/instances/${instance.name}/trusted-applications/${app.clientId}`).set(auth).send({ IsEnabled: false }).expect(200);
    expect((await tokenRequest(instance.host).send(body)).body.error).toBe('invalid_client');
    await ts.http().patch(`/admin/v1/instances/${instance.name}/trusted-applications/${app.clientId}`).set(auth).send({ IsEnabled: true }).expect(200);
    await tokenRequest(instance.host).send(body).expect(200);
    await ts.http().delete(`/admin/v1/instances/${instance.name}/trusted-applications/${app.clientId}`).set(auth).expect(204);
    expect((await tokenRequest(instance.host).send(body)).body.error).toBe('invalid_client');
  });

  it('refuses when the system user is deactivated', async () => {
    const { instance, app } = await clientCredentialsSetup(ts);
    const body = { grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret };
    await tokenRequest(instance.host).send(body).expect(200);
    await ts.http().patch(`/admin/v1/instances/${instance.name}/users/svc`).set(auth).send({ Active: false }).expect(200);
    expect((await tokenRequest(instance.host).send(body)).body.error).toBe('unauthorized_client');
  });

  it('cross-tenant: a client of instance A gets nothing at instance B, and B\'s token is signed by B only', async () => {
    const a = await clientCredentialsSetup(ts);
    const b = await clientCredentialsSetup(ts);
    const res = await tokenRequest(b.instance.host).send({ grant_type: 'client_credentials', client_id: a.app.clientId, client_secret: a.app.clientSecret });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');

    const tokenB = (await tokenRequest(b.instance.host).send({ grant_type: 'client_credentials', client_id: b.app.clientId, client_secret: b.app.clientSecret }).expect(200)).body.access_token;
    const jwksA = (await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', a.instance.host)).body;
    const jwksB = (await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', b.instance.host)).body;
    expect(decodeProtectedHeader(tokenB).kid).toBe(jwksB.keys[0].kid);
    await expect(jwtVerify(tokenB, createLocalJWKSet(jwksA))).rejects.toThrow();
  });
});
