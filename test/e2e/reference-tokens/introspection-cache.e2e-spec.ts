import { randomBytes } from 'node:crypto';
import { s256 } from '@app/oauth-core';
// The server first: loading an entity on its own trips over the entities' circular imports.
import { startTestServer, type TestServer } from '../../utils/test-server';
import { statementsSent } from '../../utils/statements';
import { Browser, responseParams } from '../../utils/browser';
import { auth, clientCredentialsSetup, createApplication, type ApplicationFixture, type InstanceFixture } from '../../utils/fixtures';
import { balancer, nodeEnv, startServerProcess, within, type ServerProcess } from '../../utils/server-process';
import { postgresBinaries, provisionDatabase } from '../../utils/throwaway-postgres';
import { CALLBACK, signIn, signInSetup } from '../sign-in/sign-in.fixture';
import { clientCredentialsToken, inSeconds, introspect, issueOk, referenceTokenSetup, revoke, type Setup } from './reference-tokens.fixture';

/** Signs john.doe in and returns the code and what it was exchanged for. */
async function codeFlow(ts: TestServer, setup: { instance: InstanceFixture; app: ApplicationFixture }) {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({ client_id: setup.app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid read', state: 'st', code_challenge: s256(verifier), code_challenge_method: 'S256' });
  const callback = await signIn(new Browser(ts), `http://${setup.instance.host}/id/connect/authorize?${query}`);
  if (callback.status !== 302 || !callback.location) throw new Error(`sign-in: ${callback.status} ${callback.text.slice(0, 200)}`);
  const { code } = responseParams(callback.location);
  const exchange = { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier, client_id: setup.app.clientId, client_secret: setup.app.clientSecret };
  const res = await ts.http().post('/id/connect/token').set('Host', setup.instance.host).type('form').send(exchange);
  if (res.status !== 200) throw new Error(`code exchange: ${res.status} ${JSON.stringify(res.body)}`);
  return { accessToken: res.body.access_token as string, exchange };
}

describe('introspection answered from memory', () => {
  let ts: TestServer;
  let s: Setup;
  beforeAll(async () => {
    ts = await startTestServer();
    s = await referenceTokenSetup(ts);
  });
  afterAll(() => ts.close());

  const active = async (token: string, app: ApplicationFixture = s.resourceServer, host = s.instance.host) =>
    (await introspect(ts, host, app, token).expect(200)).body.active as boolean;

  it('a reference token: the first introspection reads the database, the next ones do not', async () => {
    const { Token, Id } = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice' });
    const first = await statementsSent(() => active(Token));
    expect(first.result).toBe(true);
    expect(first.sql.length).toBeGreaterThan(0); // the spy sees the server's queries
    // last_used_at is written in the background
    await within(2000, async () => !!(await ts.http().get(`/admin/v1/instances/${s.instance.name}/reference-tokens/${Id}`).set(auth)).body.LastUsedAt, 'the use is recorded');
    const warm = await statementsSent(async () => {
      for (let i = 0; i < 20; i++) expect(await active(Token)).toBe(true);
    });
    expect(warm.sql).toEqual([]);
  });

  it('a JWT access token: no database round trip once warm', async () => {
    const cc = await clientCredentialsSetup(ts);
    const rs = await createApplication(ts, cc.instance, { Scope: 'read' });
    const jwt = await clientCredentialsToken(ts, cc.instance.host, cc.app);
    expect(await active(jwt, rs, cc.instance.host)).toBe(true);
    const another = await clientCredentialsToken(ts, cc.instance.host, cc.app);
    const { sql } = await statementsSent(async () => {
      for (let i = 0; i < 20; i++) expect(await active(jwt, rs, cc.instance.host)).toBe(true);
      expect(await active(another, rs, cc.instance.host)).toBe(true); // a jti never seen before, too
    });
    expect(sql).toEqual([]);
  });

  it('a cached reference token stops at once when revoked (admin API, RFC 7009) or when it expires', async () => {
    const byAdmin = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice' });
    const byOwner = await issueOk(ts, s.instance, { Kind: 'SAT', ApplicationUri: s.satApp.clientId });
    const expiring = await issueOk(ts, s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice', ExpiresAt: inSeconds(2) });
    for (const t of [byAdmin, byOwner, expiring]) {
      expect(await active(t.Token)).toBe(true);
      expect(await active(t.Token)).toBe(true);
    }
    await ts.http().delete(`/admin/v1/instances/${s.instance.name}/reference-tokens/${byAdmin.Id}`).set(auth).expect(204);
    expect(await active(byAdmin.Token)).toBe(false);
    await revoke(ts, s.instance.host, s.satApp, byOwner.Token).expect(200);
    expect(await active(byOwner.Token)).toBe(false);
    await new Promise((r) => setTimeout(r, Date.parse(expiring.ExpiresAt) - Date.now() + 50));
    expect(await active(expiring.Token)).toBe(false);
  });

  it('a cached reference token stops at once when its application is disabled or its user deactivated', async () => {
    const other = await referenceTokenSetup(ts);
    const { Token } = await issueOk(ts, other.instance, { Kind: 'PAT', ApplicationUri: other.patApp.clientId, UserLogin: 'alice' });
    const check = async () => (await introspect(ts, other.instance.host, other.resourceServer, Token).expect(200)).body.active as boolean;
    expect(await check()).toBe(true);
    await ts.http().patch(`/admin/v1/instances/${other.instance.name}/trusted-applications/${other.patApp.clientId}`).set(auth).send({ IsEnabled: false }).expect(200);
    expect(await check()).toBe(false);
    await ts.http().patch(`/admin/v1/instances/${other.instance.name}/trusted-applications/${other.patApp.clientId}`).set(auth).send({ IsEnabled: true }).expect(200);
    expect(await check()).toBe(true);
    await ts.http().patch(`/admin/v1/instances/${other.instance.name}/users/alice`).set(auth).send({ Active: false }).expect(200);
    expect(await check()).toBe(false);
  });

  it('a JWT whose code is replayed is inactive on the next introspection, though checked before', async () => {
    const setup = await signInSetup(ts);
    const rs = await createApplication(ts, setup.instance, { Scope: 'read' });
    const { accessToken, exchange } = await codeFlow(ts, setup);
    expect(await active(accessToken, rs, setup.instance.host)).toBe(true);
    expect(await active(accessToken, rs, setup.instance.host)).toBe(true);
    const replay = await ts.http().post('/id/connect/token').set('Host', setup.instance.host).type('form').send(exchange);
    expect(replay.status).toBe(400);
    expect(await active(accessToken, rs, setup.instance.host)).toBe(false);
  });
});

/**
 * Two server processes on one PostgreSQL, caches living 600 s: what B notices of a revocation made
 * through A came by NOTIFY.
 */
const available = !!process.env.DATABASE_URL || !!postgresBinaries();
(available ? describe : describe.skip)('introspection cached on several nodes: a revocation through A reaches B', () => {
  let db: { url: string; dispose(): Promise<void> } | undefined;
  let a: ServerProcess;
  let b: ServerProcess;
  let s: Setup;
  const viaA = () => balancer([a]);
  const atB = (token: string, setup: { instance: InstanceFixture; resourceServer: ApplicationFixture } = s) =>
    b.http().post('/id/connect/introspect').set('Host', setup.instance.host).type('form')
      .send({ token, client_id: setup.resourceServer.clientId, client_secret: setup.resourceServer.clientSecret });
  const becomesInactiveAtB = (token: string, what: string) => within(1000, async () => (await atB(token)).body.active === false, what);

  beforeAll(async () => {
    db = await provisionDatabase();
    const env = nodeEnv({ DATABASE_URL: db!.url, CACHE_TTL_SECONDS: '600' });
    a = await startServerProcess(env);
    b = await startServerProcess(env);
    s = await referenceTokenSetup(viaA());
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.dispose();
  });

  it('revoked through the admin API of A', async () => {
    const { Token, Id } = await issueOk(viaA(), s.instance, { Kind: 'PAT', ApplicationUri: s.patApp.clientId, UserLogin: 'alice' });
    expect((await atB(Token)).body.active).toBe(true);
    expect((await atB(Token)).body.active).toBe(true);
    await a.http().delete(`/admin/v1/instances/${s.instance.name}/reference-tokens/${Id}`).set(auth).expect(204);
    await becomesInactiveAtB(Token, 'B refuses the token revoked at A');
  });

  it('revoked through /id/connect/revocation at A', async () => {
    const { Token } = await issueOk(viaA(), s.instance, { Kind: 'SAT', ApplicationUri: s.satApp.clientId });
    expect((await atB(Token)).body.active).toBe(true);
    await revoke(viaA(), s.instance.host, s.satApp, Token).expect(200);
    await becomesInactiveAtB(Token, 'B refuses the token revoked at A');
  });

  it('its application disabled, or its user deactivated, through A', async () => {
    const app = await createApplication(viaA(), s.instance, { Scope: 'read', AccessTokens: 'AuthenticatedUsers' });
    const { Token } = await issueOk(viaA(), s.instance, { Kind: 'PAT', ApplicationUri: app.clientId, UserLogin: 'boss' });
    expect((await atB(Token)).body.active).toBe(true);
    await a.http().patch(`/admin/v1/instances/${s.instance.name}/trusted-applications/${app.clientId}`).set(auth).send({ IsEnabled: false }).expect(200);
    await becomesInactiveAtB(Token, 'B refuses the token of the application disabled at A');
    await a.http().patch(`/admin/v1/instances/${s.instance.name}/trusted-applications/${app.clientId}`).set(auth).send({ IsEnabled: true }).expect(200);
    await within(1000, async () => (await atB(Token)).body.active === true, 'B accepts it again');
    await a.http().patch(`/admin/v1/instances/${s.instance.name}/users/boss`).set(auth).send({ Active: false }).expect(200);
    await becomesInactiveAtB(Token, 'B refuses the token of the user deactivated at A');
  });

  it('a JWT revoked at A by a replayed code', async () => {
    const setup = await signInSetup(viaA());
    const rs = await createApplication(viaA(), setup.instance, { Scope: 'read' });
    const { accessToken, exchange } = await codeFlow(viaA(), setup);
    const check = async () => (await atB(accessToken, { instance: setup.instance, resourceServer: rs })).body.active as boolean;
    expect(await check()).toBe(true);
    expect(await check()).toBe(true);
    expect((await a.http().post('/id/connect/token').set('Host', setup.instance.host).type('form').send(exchange)).status).toBe(400);
    await within(1000, async () => (await check()) === false, 'B refuses the JWT revoked at A');
  });
});
