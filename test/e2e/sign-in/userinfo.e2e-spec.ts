import { createHmac, createPublicKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { Browser } from '../../utils/browser';
import { auth, clientCredentialsSetup, createUser, type InstanceFixture } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { authorizeUrl, hostOf, patchUser, readResponse, signInTokens, tokenRequest, userinfo, verifyIdToken, type Setup, setupInstance } from './authorize.fixture';
import { CALLBACK, issuerOf } from './sign-in.fixture';
import { issueOk, referenceTokenSetup } from '../reference-tokens/reference-tokens.fixture';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** OIDC Core §5.3 userinfo with RFC 6750 bearer tokens. */
describe('sign-in: userinfo', () => {
  let ts: TestServer;
  let setup: Setup;
  let issuer: string;
  let host: string;
  /** An access token for john.doe with scope openid profile email. */
  let token: string;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    setup = await setupInstance(ts);
    issuer = issuerOf(ts, setup.instance);
    host = hostOf(ts, setup.instance);
    token = (await signInTokens(ts, setup, { scope: 'openid profile email' })).body.access_token;
  });
  afterAll(() => ts.close());

  const get = () => ts.http().get('/id/connect/userinfo').set('Host', host);
  const post = () => ts.http().post('/id/connect/userinfo').set('Host', host);

  /** Signs claims with the instance's own current key, as the server would. */
  async function signAsInstance(instance: InstanceFixture, payload: JWTPayload, typ: 'at+jwt' | 'JWT' = 'at+jwt'): Promise<string> {
    // Loaded once the server is up: the entity modules must load in the application's order.
    const { tenantFor } = await import('../../../src/common/tenant/tenant');
    const { TokenSigner } = await import('../../../src/modules/keys/token-signer.service');
    const { InstancesService } = await import('../../../src/modules/instances/instances.service');
    const record = await ts.server.app.get(InstancesService).findByHost(instance.host);
    return ts.server.app.get(TokenSigner).sign(tenantFor(record!, `http://${hostOf(ts, instance)}`), payload, typ);
  }

  function expectInvalidToken(res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }) {
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_token');
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="${issuer}", error="invalid_token"`);
    expect(res.headers['cache-control']).toBe('no-store');
  }

  const johnsClaims = () => ({
    sub: 'john.doe',
    name: 'John Doe',
    preferred_username: 'john.doe',
    locale: 'bg',
    updated_at: expect.any(Number),
    email: 'john.doe@example.com',
    email_verified: true,
  });

  describe('how the token is sent (RFC 6750 §2)', () => {
    it('GET with the Authorization header', async () => {
      const res = await get().set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual(johnsClaims());
    });

    it('POST with the Authorization header', async () => {
      const res = await post().set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(johnsClaims());
    });

    it('POST with access_token in a form body', async () => {
      const res = await post().type('form').send({ access_token: token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(johnsClaims());
    });

    it('the scheme name is case-insensitive', async () => {
      expect((await get().set('Authorization', `bearer ${token}`)).status).toBe(200);
    });

    it('both the header and the body → 400 invalid_request', async () => {
      const res = await post().set('Authorization', `Bearer ${token}`).type('form').send({ access_token: token });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it('access_token in a JSON body → 400 invalid_request (it must be form-encoded)', async () => {
      const res = await post().send({ access_token: token });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it('access_token repeated in the form body → 400 invalid_request', async () => {
      const res = await post().type('form').send(`access_token=${token}&access_token=${token}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it('another authentication scheme carries no bearer token: a bare challenge, and a body token still counts', async () => {
      const basic = await get().set('Authorization', 'Basic dXNlcjpwYXNz');
      expect(basic.status).toBe(401);
      expect(basic.headers['www-authenticate']).toBe(`Bearer realm="${issuer}"`);
      const withBody = await post().set('Authorization', 'Basic dXNlcjpwYXNz').type('form').send({ access_token: token });
      expect(withBody.status).toBe(200);
      expect(withBody.body.sub).toBe('john.doe');
    });

    it('openid-client reads it by GET and by POST with the token in the body', async () => {
      const { rpClient } = await import('../../utils/oidc');
      const client = await rpClient(ts, setup.instance.host, { client_id: setup.app.clientId, client_secret: setup.app.clientSecret, redirect_uris: [CALLBACK] });
      expect(await client.userinfo(token)).toEqual(johnsClaims());
      expect(await client.userinfo(token, { method: 'POST', via: 'body' })).toEqual(johnsClaims());
      expect(await client.userinfo(token, { method: 'POST', via: 'header' })).toEqual(johnsClaims());
    });

    it('no token at all → 401 with a bare Bearer challenge, without an error code (RFC 6750 §3.1)', async () => {
      for (const res of [await get(), await post(), await post().type('form').send({ other: 'x' })]) {
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe(`Bearer realm="${issuer}"`);
        expect(res.headers['www-authenticate']).not.toContain('error=');
        expect(res.headers['cache-control']).toBe('no-store');
      }
    });
  });

  describe('tokens that are refused → 401 invalid_token', () => {
    it('not a JWT, or an empty bearer', async () => {
      expectInvalidToken(await get().set('Authorization', 'Bearer not-a-token'));
      expectInvalidToken(await get().set('Authorization', 'Bearer a.b.c'));
      expectInvalidToken(await get().set('Authorization', 'Bearer '));
      expectInvalidToken(await get().set('Authorization', 'Bearer two words'));
    });

    it('alg none', async () => {
      const header = decodeProtectedHeader(token);
      const unsigned = `${b64({ alg: 'none', typ: 'at+jwt', kid: header.kid })}.${b64(decodeJwt(token))}.`;
      expectInvalidToken(await get().set('Authorization', `Bearer ${unsigned}`));
      const unsignedNoKid = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(decodeJwt(token))}.`;
      expectInvalidToken(await post().type('form').send({ access_token: unsignedNoKid }));
    });

    it('HS256 signed with the public key (algorithm confusion)', async () => {
      const header = decodeProtectedHeader(token);
      const jwks = (await ts.http().get('/id/.well-known/openid-configuration/jwks').set('Host', host)).body as { keys: Array<Record<string, string>> };
      const jwk = jwks.keys.find((k) => k.kid === header.kid)!;
      const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
      const secrets = [publicKey.export({ type: 'spki', format: 'pem' }), publicKey.export({ type: 'pkcs1', format: 'pem' }), publicKey.export({ type: 'spki', format: 'der' }), JSON.stringify(jwk)];
      for (const secret of secrets) {
        const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: header.kid })}.${b64(decodeJwt(token))}`;
        const forged = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
        expectInvalidToken(await get().set('Authorization', `Bearer ${forged}`));
      }
    });

    it('a tampered payload under the original signature', async () => {
      const [h, , s] = token.split('.');
      const forged = `${h}.${b64({ ...decodeJwt(token), sub: 'someone.else', is_admin: true })}.${s}`;
      expectInvalidToken(await get().set('Authorization', `Bearer ${forged}`));
    });

    it("signed by a foreign key that claims the instance's kid", async () => {
      const { privateKey, publicKey } = await generateKeyPair('RS256');
      expect(await exportJWK(publicKey)).toHaveProperty('kty', 'RSA');
      const forged = await new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: decodeProtectedHeader(token).kid }).sign(privateKey);
      expectInvalidToken(await get().set('Authorization', `Bearer ${forged}`));
    });

    it('expired (signed by the instance key, exp an hour ago)', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = await signAsInstance(setup.instance, { ...decodeJwt(token), iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
      expectInvalidToken(await get().set('Authorization', `Bearer ${expired}`));
      // The same claims with a valid exp are accepted: only the expiry made the difference.
      const valid = await signAsInstance(setup.instance, { ...decodeJwt(token), iat: now, nbf: now, exp: now + 60 });
      expect((await get().set('Authorization', `Bearer ${valid}`)).status).toBe(200);
    });

    it('not yet valid (nbf in the future)', async () => {
      const now = Math.floor(Date.now() / 1000);
      const early = await signAsInstance(setup.instance, { ...decodeJwt(token), nbf: now + 600, exp: now + 3600 });
      expectInvalidToken(await get().set('Authorization', `Bearer ${early}`));
    });

    it('signed by the instance but with another issuer, without the resources audience, or typ JWT', async () => {
      const claims = decodeJwt(token);
      expectInvalidToken(await get().set('Authorization', `Bearer ${await signAsInstance(setup.instance, { ...claims, iss: 'http://evil.example.com/id' })}`));
      expectInvalidToken(await get().set('Authorization', `Bearer ${await signAsInstance(setup.instance, { ...claims, aud: ['DomainAPI'] })}`));
      expectInvalidToken(await get().set('Authorization', `Bearer ${await signAsInstance(setup.instance, claims, 'JWT')}`));
    });

    it('an ID token is not an access token', async () => {
      const { body } = await signInTokens(ts, setup, { scope: 'openid profile' });
      expectInvalidToken(await get().set('Authorization', `Bearer ${body.id_token}`));
    });

    it('cross-tenant: a token of another instance', async () => {
      const other = await setupInstance(ts);
      const otherToken = (await signInTokens(ts, other, { scope: 'openid profile' })).body.access_token;
      expect((await userinfo(ts, other.instance, otherToken)).status).toBe(200);
      expectInvalidToken(await get().set('Authorization', `Bearer ${otherToken}`));
      // Even with the issuer of this instance, a key of the other instance is not one of ours.
      const relabelled = await signAsInstance(other.instance, { ...decodeJwt(otherToken), iss: issuer, aud: [`${issuer}/resources`] });
      expectInvalidToken(await get().set('Authorization', `Bearer ${relabelled}`));
    });

    it('a client-credentials token (no user)', async () => {
      const { instance, app } = await clientCredentialsSetup(ts);
      const res = await tokenRequest(ts, instance, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret });
      expect(res.status).toBe(200);
      const r = await ts.http().get('/id/connect/userinfo').set('Host', hostOf(ts, instance)).set('Authorization', `Bearer ${res.body.access_token}`);
      expect(r.status).toBe(401);
      expect(r.body.error).toBe('invalid_token');
      expect(r.headers['www-authenticate']).toBe(`Bearer realm="${issuerOf(ts, instance)}", error="invalid_token"`);
    });

    it('the token of a user who was deactivated or deleted', async () => {
      const s = await setupInstance(ts);
      const { body } = await signInTokens(ts, s, { scope: 'openid' });
      await createUser(ts, s.instance, { Login: 'temp' });
      const temp = (await signInTokens(ts, s, { scope: 'openid', username: 'temp' })).body.access_token;
      expect((await userinfo(ts, s.instance, body.access_token)).status).toBe(200);
      await patchUser(ts, s.instance, 'john.doe', { Active: false }).expect(200);
      expect((await userinfo(ts, s.instance, body.access_token)).status).toBe(401);
      await ts.http().delete(`/admin/v1/instances/${s.instance.name}/users/temp`).set(auth).expect(204);
      expect((await userinfo(ts, s.instance, temp)).status).toBe(401);
    });
  });

  it('a token without the openid scope → 403 insufficient_scope', async () => {
    const { body } = await signInTokens(ts, setup, { scope: 'read' });
    expect(body.id_token).toBeUndefined();
    const res = await userinfo(ts, setup.instance, body.access_token);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="${issuer}", error="insufficient_scope", scope="openid"`);
    const form = await post().type('form').send({ access_token: body.access_token });
    expect(form.status).toBe(403);
  });

  it('a PAT or SAT (for the ERP.net APIs, never granted openid) → 403 insufficient_scope; a revoked or unknown one → 401', async () => {
    const s = await referenceTokenSetup(ts);
    const refHost = hostOf(ts, s.instance);
    const pat = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice', Scope: 'read' });
    const res = await ts.http().get('/id/connect/userinfo').set('Host', refHost).set('Authorization', `Bearer ${pat.Token}`);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="${issuerOf(ts, s.instance)}", error="insufficient_scope", scope="openid"`);
    await ts.http().delete(`/admin/v1/instances/${s.instance.name}/reference-tokens/${pat.Id}`).set(auth).expect(204);
    const revoked = await ts.http().get('/id/connect/userinfo').set('Host', refHost).set('Authorization', `Bearer ${pat.Token}`);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toBe('invalid_token');
    const unknown = await ts.http().get('/id/connect/userinfo').set('Host', refHost).set('Authorization', `Bearer enrt_${'0'.repeat(64)}`);
    expect(unknown.status).toBe(401);
    // Another instance's PAT is no token here.
    const other = await referenceTokenSetup(ts);
    const foreign = await issueOk(ts, other.instance, { Kind: 'PAT', ApplicationUri: other.patApp.clientId, UserLogin: 'alice', Scope: 'read' });
    expect((await ts.http().get('/id/connect/userinfo').set('Host', refHost).set('Authorization', `Bearer ${foreign.Token}`)).status).toBe(401);
  });

  describe('the claims follow the scopes (OIDC Core §5.4)', () => {
    it.each<[string, string[]]>([
      ['openid', []],
      ['openid profile', ['name', 'preferred_username', 'locale', 'updated_at']],
      ['openid email', ['email', 'email_verified']],
      ['openid profile email', ['name', 'preferred_username', 'locale', 'updated_at', 'email', 'email_verified']],
      ['openid read', []],
      ['openid offline_access', []],
    ])('scope %s', async (scope, names) => {
      const { body } = await signInTokens(ts, setup, { scope });
      const res = await userinfo(ts, setup.instance, body.access_token);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['sub', ...names].sort());
      const all = johnsClaims() as Record<string, unknown>;
      for (const name of ['sub', ...names]) expect(res.body[name]).toEqual(all[name]);
      if (names.includes('updated_at')) expect(Math.abs(res.body.updated_at - Date.now() / 1000)).toBeLessThan(600);
    });

    it('the userinfo sub is the ID token sub', async () => {
      const { body } = await signInTokens(ts, setup, { scope: 'openid profile' });
      const id = await verifyIdToken(ts, setup.instance, body.id_token!, setup.app.clientId);
      expect((await userinfo(ts, setup.instance, body.access_token)).body.sub).toBe(id.sub);
    });

    it('claims without a value are left out: a user without email or locale', async () => {
      const s = await setupInstance(ts);
      await createUser(ts, s.instance, { Login: 'plain', Name: 'Plain User' });
      const { body } = await signInTokens(ts, s, { scope: 'openid profile email', username: 'plain' });
      const res = await userinfo(ts, s.instance, body.access_token);
      expect(res.body).toEqual({ sub: 'plain', name: 'Plain User', preferred_username: 'plain', updated_at: expect.any(Number) });
    });

    it('a token from the authorize endpoint (id_token token) reads userinfo the same way', async () => {
      const browser = new Browser(ts);
      const { signIn } = await import('./sign-in.fixture');
      const res = await signIn(browser, authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'id_token token', scope: 'openid email', nonce: 'n' }));
      const info = await userinfo(ts, setup.instance, readResponse(res).params.access_token);
      expect(info.body).toEqual({ sub: 'john.doe', email: 'john.doe@example.com', email_verified: true });
    });
  });

  describe('the claims request parameter (OIDC Core §5.5)', () => {
    it('{"userinfo":{"email":{"essential":true}}} with scope openid adds email to userinfo, not to the ID token', async () => {
      const { body } = await signInTokens(ts, setup, { scope: 'openid', params: { claims: JSON.stringify({ userinfo: { email: { essential: true } } }) } });
      const res = await userinfo(ts, setup.instance, body.access_token);
      expect(res.body).toEqual({ sub: 'john.doe', email: 'john.doe@example.com' });
      const id = await verifyIdToken(ts, setup.instance, body.id_token!, setup.app.clientId);
      expect(id.email).toBeUndefined();
    });

    it('{"id_token":{"name":null}} puts name in the ID token (from the token endpoint and from the authorize endpoint), not in userinfo', async () => {
      const claims = JSON.stringify({ id_token: { name: null } });
      const { body, browser } = await signInTokens(ts, setup, { scope: 'openid', params: { claims } });
      const id = await verifyIdToken(ts, setup.instance, body.id_token!, setup.app.clientId);
      expect(id.name).toBe('John Doe');
      expect(id.email).toBeUndefined();
      expect((await userinfo(ts, setup.instance, body.access_token)).body).toEqual({ sub: 'john.doe' });

      const response = readResponse(
        await browser.get(authorizeUrl(ts, setup.instance, { client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'id_token', scope: 'openid', nonce: 'n', claims })),
      );
      expect((await verifyIdToken(ts, setup.instance, response.params.id_token, setup.app.clientId)).name).toBe('John Doe');
    });

    it('both members at once, and claims the server does not have are ignored', async () => {
      const claims = JSON.stringify({ userinfo: { locale: null, phone_number: { essential: true }, address: null }, id_token: { email_verified: null, birthdate: null } });
      const { body } = await signInTokens(ts, setup, { scope: 'openid', params: { claims } });
      expect((await userinfo(ts, setup.instance, body.access_token)).body).toEqual({ sub: 'john.doe', locale: 'bg' });
      // Only names the server can return travel in the access token.
      expect(decodeJwt(body.access_token).userinfo_claims).toEqual(['locale']);
      const id = await verifyIdToken(ts, setup.instance, body.id_token!, setup.app.clientId);
      expect(id.email_verified).toBe(true);
      expect(id.birthdate).toBeUndefined();
    });

    it('a claims request full of names the server does not have leaves the access token as it was', async () => {
      const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`made_up_claim_${i}`, null]));
      const { body } = await signInTokens(ts, setup, { scope: 'openid', params: { claims: JSON.stringify({ userinfo: many }) } });
      expect(decodeJwt(body.access_token).userinfo_claims).toBeUndefined();
      expect((await userinfo(ts, setup.instance, body.access_token)).body).toEqual({ sub: 'john.doe' });
    });

    it('the requested userinfo claims survive a refresh', async () => {
      const { body } = await signInTokens(ts, setup, { scope: 'openid offline_access', params: { claims: JSON.stringify({ userinfo: { email: null } }) } });
      const refreshed = await tokenRequest(ts, setup.instance, { grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: setup.app.clientId, client_secret: setup.app.clientSecret });
      expect(refreshed.status).toBe(200);
      expect((await userinfo(ts, setup.instance, refreshed.body.access_token)).body).toEqual({ sub: 'john.doe', email: 'john.doe@example.com' });
    });
  });
});
