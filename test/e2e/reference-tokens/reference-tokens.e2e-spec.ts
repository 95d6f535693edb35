import { createHash, createPublicKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT, type JWTPayload } from 'jose';
import { DataSource } from 'typeorm';
// The server first: loading an entity on its own trips over the entities' circular imports.
import { startTestServer, type TestServer } from '../../utils/test-server';
import { KeysService } from '../../../src/modules/keys/keys.service';
import { RevokedAccessTokensRepository } from '../../../src/modules/tokens/revoked-access-tokens.repository';
import { auth, clientCredentialsSetup, createApplication } from '../../utils/fixtures';
import { signInSetup } from '../sign-in/sign-in.fixture';
import {
  clientCredentialsToken, codeFlowTokens, inSeconds, introspect, introspectBody, issue, issueOk, referenceTokenSetup, refresh, revoke, TOKEN_FORMAT, type Setup,
} from './reference-tokens.fixture';

const sha256Hex = (v: string) => createHash('sha256').update(v).digest('hex');
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('reference tokens (PAT/SAT), introspection and revocation', () => {
  let ts: TestServer;
  beforeAll(async () => (ts = await startTestServer()));
  afterAll(() => ts.close());

  const admin = (s: Setup) => `/admin/v1/instances/${s.instance.name}/reference-tokens`;
  const patch = (s: Setup, what: string, body: Record<string, unknown>) =>
    ts.http().patch(`/admin/v1/instances/${s.instance.name}/${what}`).set(auth).send(body).expect(200);
  const isInactive = async (s: Setup, token: string) => {
    const res = await introspect(ts, s.instance.host, s.resourceServer, token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: false });
  };
  const isActive = async (s: Setup, token: string) => expect((await introspectBody(ts, s.instance.host, s.resourceServer, token)).active).toBe(true);

  describe('issuing and introspecting', () => {
    let s: Setup;
    beforeAll(async () => (s = await referenceTokenSetup(ts)));

    it('issues a PAT shown once as enrt_ + 64 hex, and introspects it as another application with the user-flow claims', async () => {
      const expiresAt = inSeconds(7200);
      const res = await issue(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice', Scope: 'read update', ExpiresAt: expiresAt, Description: 'CI job' });
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        Id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        Token: expect.stringMatching(TOKEN_FORMAT),
        Kind: 'PAT',
        ApplicationUri: s.patApp.clientId,
        UserLogin: 'alice',
        Scope: 'read update',
        Description: 'CI job',
        CreatedAt: expect.any(String),
        ExpiresAt: new Date(expiresAt).toISOString(),
        LastUsedAt: null,
        RevokedAt: null,
      });

      const intro = await introspect(ts, s.instance.host, s.resourceServer, res.body.Token);
      expect(intro.status).toBe(200);
      expect(intro.headers['cache-control']).toBe('no-store');
      const iss = `http://${s.instance.host}/id`;
      const iat = Math.floor(new Date(res.body.CreatedAt).getTime() / 1000);
      expect(intro.body).toEqual({
        active: true,
        iss,
        aud: ['DomainAPI', 'TableAPI', 'OLAP', 'AppServer', `${iss}/resources`],
        iat,
        nbf: iat,
        exp: Math.floor(new Date(expiresAt).getTime() / 1000),
        jti: res.body.Id,
        client_id: s.patApp.clientId,
        scope: 'read update',
        token_type: 'Bearer',
        sub: 'alice',
        sub_id: s.alice.Id,
        name: 'Alice A',
        email: 'alice@example.com',
        email_verified: true,
        locale: 'en-US',
        user_type: 'InternalUser',
        is_admin: false,
        db: s.instance.database,
      });
    });

    it('issues a SAT for the application\'s SystemUser with the client-credentials claims', async () => {
      const body = await issueOk(ts, s.instance, { Kind: 'SAT', ApplicationUri: s.satApp.clientId, Scope: 'read' });
      expect(body.Token).toMatch(TOKEN_FORMAT);
      expect(body).toMatchObject({ Kind: 'SAT', UserLogin: 'svc', Scope: 'read' });
      const intro = await introspectBody(ts, s.instance.host, s.resourceServer, body.Token);
      expect(intro).toMatchObject({
        active: true,
        client_id: s.satApp.clientId,
        scope: 'read',
        token_type: 'Bearer',
        client_db: s.instance.database,
        client_system_user: 'svc',
        client_system_user_type: 'InternalUser',
        client_system_user_id: s.svc.Id,
        jti: body.Id,
      });
      expect(intro.sub).toBeUndefined();
      expect(intro.db).toBeUndefined();
    });

    it('a SAT names its SystemUser or no one', async () => {
      await issueOk(ts, s.instance, { Kind: 'SAT', ApplicationUri: s.satApp.clientId, UserLogin: 'SVC' });
      const res = await issue(ts, s.instance, { Kind: 'SAT', ApplicationUri: s.satApp.clientId, UserLogin: 'alice', ExpiresAt: inSeconds(60) });
      expect(res.status).toBe(400);
      expect(res.body.errors.UserLogin).toBeDefined();
    });

    it('no Scope is the application\'s whole Scope; an empty one is refused, never read as everything', async () => {
      const body = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice' });
      expect(body.Scope).toBe('read update sec');
      expect((await introspectBody(ts, s.instance.host, s.resourceServer, body.Token)).scope).toBe('read update sec');
      for (const Scope of ['', '   ']) {
        const res = await issue(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice', Scope, ExpiresAt: inSeconds(3600) });
        expect(res.status).toBe(400);
        expect(res.body.errors).toHaveProperty('Scope');
      }
    });

    it('the owning application may introspect its own token, with client_secret_basic too', async () => {
      const { Token } = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice' });
      const basic = Buffer.from(`${s.patApp.clientId}:${s.patApp.clientSecret}`).toString('base64');
      const res = await ts.http().post('/id/connect/introspect').set('Host', s.instance.host).set('Authorization', `Basic ${basic}`).type('form').send({ token: Token, token_type_hint: 'refresh_token' });
      expect(res.status).toBe(200);
      expect(res.body.active).toBe(true);
    });

    it('a PAT needs AccessTokens AuthenticatedUsers, or AdministratorsOnly with an admin user', async () => {
      const adminsOnly = await createApplication(ts, s.instance, { Scope: 'read', AccessTokens: 'AdministratorsOnly' });
      const none = await createApplication(ts, s.instance, { Scope: 'read', AccessTokens: 'None' });
      const refused = await issue(ts, s.instance, { Kind: 'PAT', ApplicationUri: adminsOnly.clientId, UserLogin: 'alice', ExpiresAt: inSeconds(60) });
      expect(refused.status).toBe(400);
      expect(refused.body.errors.UserLogin).toBeDefined();
      const { Token } = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: adminsOnly.clientId, UserLogin: 'boss' });
      expect(await introspectBody(ts, s.instance.host, s.resourceServer, Token)).toMatchObject({ active: true, sub: 'boss', is_admin: true });
      const noPats = await issue(ts, s.instance, { Kind: 'PAT', ApplicationUri: none.clientId, UserLogin: 'boss', ExpiresAt: inSeconds(60) });
      expect(noPats.status).toBe(400);
      expect(noPats.body.errors.ApplicationUri).toBeDefined();

      // Taking the admin flag away stops the token on the next request.
      await patch(s, 'users/boss', { IsAdmin: false });
      await isInactive(s, Token);
      await patch(s, 'users/boss', { IsAdmin: true });
      await isActive(s, Token);
    });

    it('a SAT needs SystemUserAllowed and AccessTokens AdministratorsOnly', async () => {
      const notAllowed = await createApplication(ts, s.instance, { Scope: 'read', SystemUser: 'svc', SystemUserAllowed: false, AccessTokens: 'AdministratorsOnly' });
      const wrongPolicy = await createApplication(ts, s.instance, { Scope: 'read', SystemUser: 'svc', SystemUserAllowed: true, AccessTokens: 'AuthenticatedUsers' });
      for (const app of [notAllowed, wrongPolicy]) {
        const res = await issue(ts, s.instance, { Kind: 'SAT', ApplicationUri: app.clientId, ExpiresAt: inSeconds(60) });
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid_request');
        expect(res.body.errors.ApplicationUri).toBeDefined();
      }
    });

    it('the scope narrows with the application\'s Scope, and the last use is recorded', async () => {
      const app = await createApplication(ts, s.instance, { Scope: 'read update', AccessTokens: 'AuthenticatedUsers' });
      const { Token, Id } = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: app.clientId, UserLogin: 'alice' });
      await patch(s, `trusted-applications/${app.clientId}`, { Scope: 'read' });
      expect((await introspectBody(ts, s.instance.host, s.resourceServer, Token)).scope).toBe('read');
      // last_used_at is written in the background, so it may land just after the answer.
      let listed: Record<string, string> = {};
      for (let i = 0; i < 40 && !listed.LastUsedAt; i++) {
        if (i) await new Promise((r) => setTimeout(r, 50));
        listed = (await ts.http().get(`${admin(s)}/${Id}`).set(auth).expect(200)).body;
      }
      expect(listed.Scope).toBe('read update');
      expect(new Date(listed.LastUsedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    });

    it('lists tokens without the secret or its hash', async () => {
      const { Token, Id } = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice', Description: 'listed' });
      const res = await ts.http().get(admin(s)).set(auth).expect(200);
      const item = res.body.find((t: { Id: string }) => t.Id === Id);
      expect(Object.keys(item).sort()).toEqual(['ApplicationUri', 'CreatedAt', 'Description', 'ExpiresAt', 'Id', 'Kind', 'LastUsedAt', 'RevokedAt', 'Scope', 'UserLogin']);
      expect(item).toMatchObject({ Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice', Description: 'listed', RevokedAt: null });
      const text = JSON.stringify(res.body) + JSON.stringify((await ts.http().get(`${admin(s)}/${Id}`).set(auth).expect(200)).body);
      expect(text).not.toContain(Token);
      expect(text).not.toContain(Token.slice(5));
      expect(text).not.toContain(sha256Hex(Token));
      expect(text).not.toMatch(/enrt_|[Hh]ash/);
    });

    it('stores only sha256(token), under a unique index', async () => {
      const { Token, Id } = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice' });
      const db = ts.server.app.get(DataSource);
      const [row] = await db.query('SELECT * FROM reference_tokens WHERE id = $1', [Id]);
      expect(row.token_hash).toBe(sha256Hex(Token));
      expect(JSON.stringify(row)).not.toContain(Token);
      const [index] = await db.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_reference_tokens_token_hash'`);
      expect(index.indexdef).toMatch(/UNIQUE INDEX .* \(token_hash\)/);
    });

    it.each([
      ['an unknown token of the right shape', `enrt_${'0'.repeat(64)}`],
      ['a token with upper-case hex', 'enrt_' + 'A'.repeat(64)],
      ['a short token', 'enrt_abc'],
      ['garbage', 'hello'],
      ['a huge value', 'x'.repeat(50_000)],
      ['something JWT-shaped', 'a.b.c'],
    ])('answers exactly {"active":false} for %s', async (_name, token) => {
      await isInactive(s, token);
    });
  });

  describe('stopping a token', () => {
    let s: Setup;
    beforeAll(async () => (s = await referenceTokenSetup(ts)));
    const pat = () => issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice' });

    it('revoked through the admin API: inactive on the next request, listed with RevokedAt', async () => {
      const { Token, Id } = await pat();
      await isActive(s, Token);
      await ts.http().delete(`${admin(s)}/${Id}`).set(auth).expect(204);
      await isInactive(s, Token);
      const listed = (await ts.http().get(`${admin(s)}/${Id}`).set(auth).expect(200)).body;
      expect(listed.RevokedAt).toEqual(expect.any(String));
      await ts.http().delete(`${admin(s)}/${Id}`).set(auth).expect(204); // again: nothing changes
      expect((await ts.http().get(`${admin(s)}/${Id}`).set(auth).expect(200)).body.RevokedAt).toBe(listed.RevokedAt);
    });

    it('revoked through /id/connect/revocation by its application: 200, empty, no-store; then inactive', async () => {
      const { Token } = await pat();
      const res = await revoke(ts, s.instance.host, s.patApp, Token);
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expect(res.headers['cache-control']).toBe('no-store');
      await isInactive(s, Token);
    });

    it('the revocation endpoint honours a wrong token_type_hint without trusting it', async () => {
      const sat = await issueOk(ts, s.instance, { Kind: 'SAT', ApplicationUri: s.satApp.clientId });
      await revoke(ts, s.instance.host, s.satApp, sat.Token, 'refresh_token').expect(200);
      await isInactive(s, sat.Token);
      const { Token } = await pat();
      await revoke(ts, s.instance.host, s.patApp, Token, 'something_else').expect(200);
      await isInactive(s, Token);
    });

    it('another application cannot revoke it, yet gets the same 200', async () => {
      const { Token } = await pat();
      const res = await revoke(ts, s.instance.host, s.resourceServer, Token);
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      await isActive(s, Token);
    });

    it('200 for a token it cannot find; 401 for an unauthenticated caller; 400 without a token', async () => {
      await revoke(ts, s.instance.host, s.patApp, `enrt_${'1'.repeat(64)}`).expect(200);
      await revoke(ts, s.instance.host, s.patApp, 'not-a-token', 'access_token').expect(200);
      const { Token } = await pat();
      const anonymous = await ts.http().post('/id/connect/revocation').set('Host', s.instance.host).type('form').send({ token: Token });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toBe('invalid_client');
      const wrong = await ts.http().post('/id/connect/revocation').set('Host', s.instance.host).type('form').send({ token: Token, client_id: s.patApp.clientId, client_secret: 'wrong' });
      expect(wrong.status).toBe(401);
      await isActive(s, Token);
      const missing = await ts.http().post('/id/connect/revocation').set('Host', s.instance.host).type('form').send({ client_id: s.patApp.clientId, client_secret: s.patApp.clientSecret });
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'missing required parameter(s) token' });
    });

    it('expires: at ExpiresAt', async () => {
      const { Token } = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice', ExpiresAt: inSeconds(2) });
      await isActive(s, Token);
      await new Promise((r) => setTimeout(r, 2500));
      await isInactive(s, Token);
    });

    it('expires: a row whose expiry has passed', async () => {
      const { Token, Id } = await pat();
      // Written behind the server's back, so before the row is first read (and cached); the
      // expiry of a cached token is covered by introspection-cache.e2e-spec.ts.
      await ts.server.app.get(DataSource).query(`UPDATE reference_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [Id]);
      await isInactive(s, Token);
    });

    it('the user deactivated (and back), or deleted', async () => {
      const { Token } = await pat();
      await patch(s, 'users/alice', { Active: false });
      await isInactive(s, Token);
      await patch(s, 'users/alice', { Active: true });
      await isActive(s, Token);
      await ts.http().delete(`/admin/v1/instances/${s.instance.name}/users/alice`).set(auth).expect(204);
      await isInactive(s, Token);
    });

    it('a SAT\'s system user deactivated, or no longer the application\'s SystemUser', async () => {
      const other = await referenceTokenSetup(ts);
      const { Token } = await issueOk(ts, other.instance, { Kind: 'SAT', ApplicationUri: other.satApp.clientId });
      await isActive(other, Token);
      await patch(other, 'users/svc', { Active: false });
      await isInactive(other, Token);
      await patch(other, 'users/svc', { Active: true });
      await isActive(other, Token);
      await patch(other, `trusted-applications/${other.satApp.clientId}`, { SystemUser: 'boss' });
      await isInactive(other, Token);
      await patch(other, `trusted-applications/${other.satApp.clientId}`, { SystemUser: 'svc', SystemUserAllowed: false });
      await isInactive(other, Token);
    });

    it('the application disabled (and back), or deleted and recreated', async () => {
      const app = await createApplication(ts, s.instance, { Scope: 'read', AccessTokens: 'AuthenticatedUsers' });
      const { Token, Id } = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: app.clientId, UserLogin: 'boss' });
      await patch(s, `trusted-applications/${app.clientId}`, { IsEnabled: false });
      await isInactive(s, Token);
      await patch(s, `trusted-applications/${app.clientId}`, { IsEnabled: true });
      await isActive(s, Token);
      await patch(s, `trusted-applications/${app.clientId}`, { AccessTokens: 'None' });
      await isInactive(s, Token);
      await ts.http().delete(`/admin/v1/instances/${s.instance.name}/trusted-applications/${app.clientId}`).set(auth).expect(204);
      await createApplication(ts, s.instance, { ApplicationUri: app.clientId, Scope: 'read', AccessTokens: 'AuthenticatedUsers' });
      await isInactive(s, Token);
      await ts.http().get(`${admin(s)}/${Id}`).set(auth).expect(404);
    });
  });

  describe('introspection endpoint', () => {
    let s: Setup;
    beforeAll(async () => (s = await referenceTokenSetup(ts)));

    it('is listed in discovery, with revocation', async () => {
      const iss = `http://${s.instance.host}/id`;
      const doc = (await ts.http().get('/id/.well-known/openid-configuration').set('Host', s.instance.host).expect(200)).body;
      expect(doc).toMatchObject({
        introspection_endpoint: `${iss}/connect/introspect`,
        introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        revocation_endpoint: `${iss}/connect/revocation`,
        // A Public application revokes with its client_id alone.
        revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      });
    });

    it('401 invalid_client for a caller that does not authenticate, or a Public application', async () => {
      const { Token } = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice' });
      const anonymous = await ts.http().post('/id/connect/introspect').set('Host', s.instance.host).type('form').send({ token: Token });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toBe('invalid_client');
      expect(anonymous.body.active).toBeUndefined();
      const wrong = await introspect(ts, s.instance.host, { ...s.resourceServer, clientSecret: 'wrong' }, Token);
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('invalid_client');
      const basic = Buffer.from(`${s.resourceServer.clientId}:wrong`).toString('base64');
      const basicWrong = await ts.http().post('/id/connect/introspect').set('Host', s.instance.host).set('Authorization', `Basic ${basic}`).type('form').send({ token: Token });
      expect(basicWrong.status).toBe(401);
      expect(basicWrong.headers['www-authenticate']).toMatch(/^Basic realm=/);
      const publicApp = await createApplication(ts, s.instance, { ClientType: 'Public', ApplicationSecretHash: null });
      const pub = await ts.http().post('/id/connect/introspect').set('Host', s.instance.host).type('form').send({ token: Token, client_id: publicApp.clientId });
      expect(pub.status).toBe(401);
      expect(pub.body.error).toBe('invalid_client');
      const disabled = await createApplication(ts, s.instance, { IsEnabled: false });
      expect((await introspect(ts, s.instance.host, disabled, Token)).status).toBe(401);
    });

    it('400 invalid_request without a token, with a repeated parameter, or with a JSON body', async () => {
      const missing = await ts.http().post('/id/connect/introspect').set('Host', s.instance.host).type('form').send({ client_id: s.resourceServer.clientId, client_secret: s.resourceServer.clientSecret });
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'missing required parameter(s) token' });
      const repeated = await ts.http().post('/id/connect/introspect').set('Host', s.instance.host).type('form').send(`token=a&token=b&client_id=${encodeURIComponent(s.resourceServer.clientId)}&client_secret=${encodeURIComponent(s.resourceServer.clientSecret)}`);
      expect(repeated.status).toBe(400);
      expect(repeated.body.error).toBe('invalid_request');
      const json = await ts.http().post('/id/connect/introspect').set('Host', s.instance.host).send({ token: 'x', client_id: s.resourceServer.clientId, client_secret: s.resourceServer.clientSecret });
      expect(json.status).toBe(400);
      expect(json.body.error).toBe('invalid_request');
    });

    it('cross-tenant: a token of instance A is inactive at instance B; A\'s application is unknown at B', async () => {
      const b = await referenceTokenSetup(ts);
      const { Token } = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice' });
      await isActive(s, Token);
      await isInactive(b, Token);
      const asA = await introspect(ts, b.instance.host, s.resourceServer, Token);
      expect(asA.status).toBe(401);
      expect(asA.body.error).toBe('invalid_client');
      // Nor can B's application revoke it through B.
      await revoke(ts, b.instance.host, b.patApp, Token).expect(200);
      await isActive(s, Token);
    });
  });

  describe('introspecting JWT access tokens', () => {
    let cc: Awaited<ReturnType<typeof clientCredentialsSetup>>;
    let rs: Awaited<ReturnType<typeof createApplication>>;
    let other: Awaited<ReturnType<typeof clientCredentialsSetup>>;
    let jwt: string;
    let instanceId: string;
    beforeAll(async () => {
      cc = await clientCredentialsSetup(ts);
      rs = await createApplication(ts, cc.instance, { Scope: 'read' });
      other = await clientCredentialsSetup(ts);
      jwt = await clientCredentialsToken(ts, cc.instance.host, cc.app, 'read update');
      instanceId = (await ts.http().get(`/admin/v1/instances/${cc.instance.name}`).set(auth).expect(200)).body.Id;
    });
    const inspect = async (token: string) => (await introspect(ts, cc.instance.host, rs, token).expect(200)).body;
    /** Signs with this instance's real private key: only the claims or header make it invalid. */
    const signWithInstanceKey = async (claims: JWTPayload, header: Record<string, unknown> = {}) => {
      const key = await ts.server.app.get(KeysService).signingKey(instanceId);
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt', ...header }).sign(key.privateKey);
    };

    it('a client-credentials JWT: active, with its claims and the scope as a string', async () => {
      const payload = decodeJwt(jwt);
      expect(await inspect(jwt)).toEqual({ ...payload, active: true, scope: 'read update', token_type: 'Bearer' });
    });

    it('a JWT re-signed by us with the same claims is active (the forgeries below differ only in what they change)', async () => {
      expect((await inspect(await signWithInstanceKey(decodeJwt(jwt)))).active).toBe(true);
    });

    it('a code-flow JWT: active with the user-flow claims; inactive once the user is deactivated', async () => {
      const setup = await signInSetup(ts);
      const resourceServer = await createApplication(ts, setup.instance, { Scope: 'read' });
      const tokens = await codeFlowTokens(ts, setup, 'openid profile read');
      const check = async () => (await introspect(ts, setup.instance.host, resourceServer, tokens.access_token).expect(200)).body;

      const body = await check();
      expect(body).toEqual({ ...decodeJwt(tokens.access_token), active: true, scope: 'openid profile read', token_type: 'Bearer' });
      expect(body).toMatchObject({ client_id: setup.app.clientId, sub: 'john.doe', sub_id: setup.user.Id, db: setup.instance.database, user_type: 'InternalUser', sid: expect.any(String) });

      await ts.http().patch(`/admin/v1/instances/${setup.instance.name}/users/john.doe`).set(auth).send({ Active: false }).expect(200);
      expect(await check()).toEqual({ active: false });
    });

    it('an ID token is not an access token: inactive', async () => {
      const setup = await signInSetup(ts);
      const tokens = await codeFlowTokens(ts, setup, 'openid');
      expect((await introspect(ts, setup.instance.host, setup.app, tokens.id_token!).expect(200)).body).toEqual({ active: false });
    });

    it('inactive once its application is disabled or its system user deactivated', async () => {
      const setup = await clientCredentialsSetup(ts);
      const app2 = await createApplication(ts, setup.instance, { Scope: 'read' });
      const token = await clientCredentialsToken(ts, setup.instance.host, setup.app);
      const check = async () => (await introspect(ts, setup.instance.host, app2, token).expect(200)).body;
      expect((await check()).active).toBe(true);
      await ts.http().patch(`/admin/v1/instances/${setup.instance.name}/users/svc`).set(auth).send({ Active: false }).expect(200);
      expect(await check()).toEqual({ active: false });
      await ts.http().patch(`/admin/v1/instances/${setup.instance.name}/users/svc`).set(auth).send({ Active: true }).expect(200);
      expect((await check()).active).toBe(true);
      await ts.http().patch(`/admin/v1/instances/${setup.instance.name}/trusted-applications/${setup.app.clientId}`).set(auth).send({ IsEnabled: false }).expect(200);
      expect(await check()).toEqual({ active: false });
    });

    it('inactive: a JWT whose jti was revoked (as a replayed code does)', async () => {
      const token = await clientCredentialsToken(ts, cc.instance.host, cc.app);
      expect((await inspect(token)).active).toBe(true);
      const { jti, exp } = decodeJwt(token);
      await ts.server.app.get(RevokedAccessTokensRepository).revoke(instanceId, jti!, new Date(exp! * 1000));
      expect(await inspect(token)).toEqual({ active: false });
    });

    it('inactive: a JWT of another instance (cross-tenant)', async () => {
      const foreign = await clientCredentialsToken(ts, other.instance.host, other.app);
      expect(await inspect(foreign)).toEqual({ active: false });
    });

    it('inactive: alg none', async () => {
      const [, payload] = jwt.split('.');
      const header = { ...decodeProtectedHeader(jwt), alg: 'none' };
      expect(await inspect(`${b64url(header)}.${payload}.`)).toEqual({ active: false });
    });

    it('inactive: HS256 signed with the public key as the secret', async () => {
      const jwks = (await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', cc.instance.host).expect(200)).body;
      const pem = createPublicKey({ key: jwks.keys[0], format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      for (const secret of [Buffer.from(pem), Buffer.from(JSON.stringify(jwks.keys[0]))]) {
        const forged = await new SignJWT(decodeJwt(jwt)).setProtectedHeader({ alg: 'HS256', kid: jwks.keys[0].kid, typ: 'at+jwt' }).sign(secret);
        expect(await inspect(forged)).toEqual({ active: false });
      }
    });

    it('inactive: signed by another instance\'s key, under its kid or ours', async () => {
      const otherId = (await ts.http().get(`/admin/v1/instances/${other.instance.name}`).set(auth).expect(200)).body.Id;
      const otherKey = await ts.server.app.get(KeysService).signingKey(otherId);
      const ours = decodeProtectedHeader(jwt).kid!;
      for (const kid of [otherKey.kid, ours]) {
        const forged = await new SignJWT(decodeJwt(jwt)).setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' }).sign(otherKey.privateKey);
        expect(await inspect(forged)).toEqual({ active: false });
      }
    });

    it('inactive: a tampered payload', async () => {
      const [h, , sig] = jwt.split('.');
      const tampered = `${h}.${b64url({ ...decodeJwt(jwt), scope: ['read', 'update', 'sec', 'admin'] })}.${sig}`;
      expect(await inspect(tampered)).toEqual({ active: false });
    });

    it.each([
      ['expired', (p: JWTPayload) => ({ ...p, iat: p.iat! - 7200, nbf: p.iat! - 7200, exp: p.iat! - 3600 })],
      ['not yet valid', (p: JWTPayload) => ({ ...p, nbf: p.iat! + 600 })],
      ['a wrong iss', (p: JWTPayload) => ({ ...p, iss: 'http://evil.example/id' })],
      ['another instance\'s iss', (p: JWTPayload) => ({ ...p, iss: `http://${other.instance.host}/id` })],
      ['no aud of this instance', (p: JWTPayload) => ({ ...p, aud: ['DomainAPI'] })],
      ['no client_id', (p: JWTPayload) => ({ ...p, client_id: undefined })],
      ['an unknown client_id', (p: JWTPayload) => ({ ...p, client_id: 'nobody.example.com' })],
      ['an unknown system user id', (p: JWTPayload) => ({ ...p, client_system_user_id: '00000000-0000-0000-0000-000000000000' })],
    ])('inactive: %s', async (_name, change) => {
      const claims = change(decodeJwt(jwt));
      expect(await inspect(await signWithInstanceKey(JSON.parse(JSON.stringify(claims))))).toEqual({ active: false });
    });

    it.each([
      ['typ JWT (an ID token)', { typ: 'JWT' }],
      ['no typ', { typ: undefined }],
      ['no kid', { kid: undefined }],
      ['an unknown kid', { kid: 'F'.repeat(32) }],
    ])('inactive: a header with %s', async (_name, header) => {
      const token = await signWithInstanceKey(decodeJwt(jwt), header);
      expect(await inspect(token)).toEqual({ active: false });
    });
  });

  describe('revoking refresh tokens (RFC 7009)', () => {
    it('the owning application revokes the whole family; another application cannot; the hint is not trusted', async () => {
      const setup = await signInSetup(ts);
      const other = await createApplication(ts, setup.instance, { Scope: 'read' });
      const first = await codeFlowTokens(ts, setup, 'openid offline_access read');
      expect(first.refresh_token).toBeDefined();
      const second = (await refresh(ts, setup.instance.host, setup.app, first.refresh_token!).expect(200)).body;

      const notMine = await revoke(ts, setup.instance.host, other, second.refresh_token);
      expect(notMine.status).toBe(200);
      expect(notMine.text).toBe('');
      const third = (await refresh(ts, setup.instance.host, setup.app, second.refresh_token).expect(200)).body;

      // The first token of the family (already rotated) with a misleading hint: the family goes.
      const res = await revoke(ts, setup.instance.host, setup.app, first.refresh_token!, 'access_token');
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expect(res.headers['cache-control']).toBe('no-store');
      const after = await refresh(ts, setup.instance.host, setup.app, third.refresh_token);
      expect(after.status).toBe(400);
      expect(after.body.error).toBe('invalid_grant');
    });

    it('revokes a live refresh token, and a token of another instance is untouched', async () => {
      const a = await signInSetup(ts);
      const b = await signInSetup(ts);
      const tokensA = await codeFlowTokens(ts, a, 'openid offline_access');
      const tokensB = await codeFlowTokens(ts, b, 'openid offline_access');
      await revoke(ts, b.instance.host, b.app, tokensA.refresh_token!, 'refresh_token').expect(200);
      await refresh(ts, a.instance.host, a.app, tokensA.refresh_token!).expect(200);
      await revoke(ts, b.instance.host, b.app, tokensB.refresh_token!, 'refresh_token').expect(200);
      expect((await refresh(ts, b.instance.host, b.app, tokensB.refresh_token!)).body.error).toBe('invalid_grant');
    });
  });

  describe('admin API validation', () => {
    let s: Setup;
    beforeAll(async () => (s = await referenceTokenSetup(ts)));
    const good = () => ({ Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice', ExpiresAt: inSeconds(3600) });

    it('401 without the admin key', async () => {
      expect((await ts.http().get(admin(s))).status).toBe(401);
      expect((await ts.http().post(admin(s)).send(good())).status).toBe(401);
      expect((await ts.http().delete(`${admin(s)}/00000000-0000-0000-0000-000000000000`)).status).toBe(401);
    });

    it.each([
      ['Kind', { Kind: 'XYZ' }],
      ['Kind', { Kind: undefined }],
      ['ApplicationUri', { ApplicationUri: undefined }],
      ['ApplicationUri', { ApplicationUri: 'has space' }],
      ['UserLogin', { UserLogin: undefined }],
      ['UserLogin', { UserLogin: 42 }],
      ['Scope', { Scope: 'read "bad' }],
      ['ExpiresAt', { ExpiresAt: undefined }],
      ['ExpiresAt', { ExpiresAt: 'tomorrow' }],
      ['ExpiresAt', { ExpiresAt: '2099-01-01' }],
      ['ExpiresAt', { ExpiresAt: '2099-01-01T00:00:00' }],
      ['Description', { Description: 'x'.repeat(501) }],
      ['Extra', { Extra: true }],
    ])('400 naming %s', async (field, change) => {
      const body: Record<string, unknown> = { ...good(), ...change };
      for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
      const res = await issue(ts, s.instance, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(Object.keys(res.body.errors)).toContain(field);
    });

    it('400 for an ExpiresAt in the past or beyond ReferenceTokenMaxLifetime', async () => {
      const past = await issue(ts, s.instance, { ...good(), ExpiresAt: inSeconds(-10) });
      expect(past.status).toBe(400);
      expect(past.body.errors).toEqual({ ExpiresAt: ['must be in the future'] });
      await ts.http().patch(`/admin/v1/instances/${s.instance.name}`).set(auth).send({ ReferenceTokenMaxLifetime: 3600 }).expect(200);
      const far = await issue(ts, s.instance, { ...good(), ExpiresAt: inSeconds(7200) });
      expect(far.status).toBe(400);
      expect(far.body.errors.ExpiresAt[0]).toMatch(/at most 3600 seconds/);
      await issue(ts, s.instance, { ...good(), ExpiresAt: inSeconds(3000) }).expect(201);
    });

    it('400 for a Scope outside the application\'s', async () => {
      const res = await issue(ts, s.instance, { ...good(), Scope: 'read admin' });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual({ Scope: ['not allowed for this application: admin'] });
    });

    it('400 for a disabled application or an inactive user', async () => {
      const disabled = await createApplication(ts, s.instance, { IsEnabled: false, AccessTokens: 'AuthenticatedUsers' });
      expect((await issue(ts, s.instance, { ...good(), ApplicationUri: disabled.clientId })).body.errors.ApplicationUri).toBeDefined();
      await patch(s, 'users/alice', { Active: false });
      const inactiveUser = await issue(ts, s.instance, good());
      await patch(s, 'users/alice', { Active: true });
      expect(inactiveUser.status).toBe(400);
      expect(inactiveUser.body.errors.UserLogin).toBeDefined();
    });

    it('404 for an unknown instance, application, user or token id', async () => {
      expect((await ts.http().post('/admin/v1/instances/nope-nope/reference-tokens').set(auth).send(good())).status).toBe(404);
      expect((await ts.http().get('/admin/v1/instances/nope-nope/reference-tokens').set(auth)).status).toBe(404);
      expect((await issue(ts, s.instance, { ...good(), ApplicationUri: 'nobody.example.com' })).status).toBe(404);
      expect((await issue(ts, s.instance, { ...good(), UserLogin: 'nobody' })).status).toBe(404);
      expect((await ts.http().delete(`${admin(s)}/00000000-0000-0000-0000-000000000000`).set(auth)).status).toBe(404);
      expect((await ts.http().delete(`${admin(s)}/not-a-uuid`).set(auth)).status).toBe(404);
      expect((await ts.http().get(`${admin(s)}/not-a-uuid`).set(auth)).status).toBe(404);
    });

    it('a token id of another instance is unknown here', async () => {
      const b = await referenceTokenSetup(ts);
      const { Id } = await issueOk(ts, b.instance, { Kind: 'PAT', ApplicationUri: b.patApp.clientId, UserLogin: 'alice' });
      expect((await ts.http().delete(`${admin(s)}/${Id}`).set(auth)).status).toBe(404);
      expect((await ts.http().get(admin(s)).set(auth)).body.map((t: { Id: string }) => t.Id)).not.toContain(Id);
    });
  });
});
