import { hashSecret } from '@app/oauth-core';
import { Browser, parseForm } from '../../utils/browser';
import { auth, createApplication, createInstance, createUser, type InstanceFixture } from '../../utils/fixtures';
import { ADMIN_KEY, startTestServer, type TestServer } from '../../utils/test-server';
import { referenceTokenSetup, issueOk, revoke } from '../reference-tokens/reference-tokens.fixture';
import { hostOf } from '../sign-in/authorize.fixture';
import { PASSWORD, signInSetup } from '../sign-in/sign-in.fixture';
import { codeFlowSecrets } from './observability.fixture';

interface AuditEntry {
  Id: string;
  CreatedAt: string;
  Instance: string | null;
  Actor: string;
  Action: string;
  Target: string | null;
  Details: Record<string, unknown>;
  Ip: string | null;
  RequestId: string | null;
}

/** The audit log: every admin change, sign-ins and sign-outs, read back through GET /admin/v1/audit. */
describe('observability: audit log', () => {
  let ts: TestServer;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
  });
  afterAll(() => ts.close());

  async function audit(query: Record<string, string> = {}): Promise<AuditEntry[]> {
    const res = await ts.http().get('/admin/v1/audit').query(query).set(auth);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    return res.body as AuditEntry[];
  }

  it('records each admin mutation with who, what, when, the instance, the status and the names (never the values) of the properties sent', async () => {
    const instance = await createInstance(ts);
    const user = await createUser(ts, instance, { Login: 'kim', Password: PASSWORD });
    const app = await createApplication(ts, instance, { Scope: 'read' });
    const patched = await ts.http().patch(`/admin/v1/instances/${instance.name}/trusted-applications/${app.clientId}`).set(auth).send({ IsEnabled: false });
    expect(patched.status).toBe(200);
    const deleted = await ts.http().delete(`/admin/v1/instances/${instance.name}/users/${user.Login}`).set(auth);
    expect(deleted.status).toBe(204);
    const rotated = await ts.http().post(`/admin/v1/instances/${instance.name}/keys/rotate`).set(auth);
    expect(rotated.status).toBe(201);
    expect((await ts.http().patch(`/admin/v1/instances/${instance.name}`).set(auth).send({ AccessTokenLifetime: 1800 })).status).toBe(200);
    // Refused: recorded with its status.
    expect((await ts.http().post(`/admin/v1/instances/${instance.name}/users`).set(auth).send({ Login: 'x', Bogus: 1 })).status).toBe(400);
    expect((await ts.http().delete(`/admin/v1/instances/${instance.name}/users/nobody`).set(auth)).status).toBe(404);

    const events = await audit({ instance: instance.name });
    expect(events.map((e) => e.Action)).toEqual([
      'user.deleted.refused',
      'user.created.refused',
      'instance.updated',
      'keys.rotated',
      'user.deleted',
      'trusted-application.updated',
      'trusted-application.created',
      'user.created',
      'instance.created',
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ Instance: instance.name, Actor: 'admin-api', Ip: '127.0.0.1' });
      expect(new Date(e.CreatedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    }
    const [notFound, invalid, , , userDeleted, appUpdated, appCreated, userCreated, created] = events;
    expect(created).toMatchObject({ Target: instance.name, Details: { entity: 'instance', method: 'POST', route: '/admin/v1/instances', status: 201, fields: ['Database', 'Hosts', 'Name', 'Type'] } });
    expect(userCreated).toMatchObject({ Target: 'kim', Details: { entity: 'user', status: 201, id: user.Id, fields: ['Login', 'Name', 'Password'] } });
    expect(appCreated.Target).toBe(app.clientId);
    expect(appCreated.Details.fields).toEqual(expect.arrayContaining(['ApplicationSecretHash', 'ApplicationUri', 'Scope']));
    expect(appUpdated).toMatchObject({
      Target: app.clientId,
      Details: { method: 'PATCH', route: '/admin/v1/instances/:name/trusted-applications/:uri', params: { name: instance.name, uri: app.clientId }, status: 200, fields: ['IsEnabled'] },
    });
    expect(userDeleted).toMatchObject({ Target: 'kim', Details: { status: 204 } });
    expect(invalid).toMatchObject({ Action: 'user.created.refused', Target: 'x', Details: { status: 400, error: 'invalid_request' } });
    expect(notFound).toMatchObject({ Action: 'user.deleted.refused', Target: 'nobody', Details: { status: 404, error: 'not_found' } });
    // The request id of the event is the one the admin client got back.
    expect(events.find((e) => e.Action === 'keys.rotated')!.RequestId).toBe(rotated.headers['x-request-id']);

    const raw = JSON.stringify(events);
    for (const secret of [PASSWORD, app.clientSecret, hashSecret(app.clientSecret), ADMIN_KEY]) expect(raw).not.toContain(secret);
  });

  it('records reference tokens issued and revoked, without the token', async () => {
    const s = await referenceTokenSetup(ts);
    const issued = await issueOk(ts, s.instance, { Kind: 'SAT', ApplicationUri: s.satApp.clientId, Scope: 'read' });
    expect((await ts.http().delete(`/admin/v1/instances/${s.instance.name}/reference-tokens/${issued.Id}`).set(auth)).status).toBe(204);
    const [revoked, created] = await audit({ instance: s.instance.name, action: 'reference-token.*' });
    expect(created).toMatchObject({ Action: 'reference-token.issued', Target: s.satApp.clientId, Details: { id: issued.Id, status: 201 } });
    expect(revoked).toMatchObject({ Action: 'reference-token.revoked', Target: issued.Id, Details: { status: 204 } });
    expect(JSON.stringify([revoked, created])).not.toContain(issued.Token);
  });

  it('records what /id/connect/revocation revoked, and another application\'s token it refused, under the application and without the token', async () => {
    const setup = await signInSetup(ts);
    const flow = await codeFlowSecrets(ts, setup.instance, setup.app, 'john.doe');
    const { access_token: accessToken, refresh_token: refreshToken } = flow.responses[1].body as { access_token: string; refresh_token: string };
    const other = await createApplication(ts, setup.instance, { Scope: 'read' });
    // The issuer the tokens name has the port: the same host as the flow's.
    const host = hostOf(ts, setup.instance);
    for (const [app, token] of [
      // The access token first: revoking the refresh token revokes its grant's access tokens too.
      [setup.app, accessToken],
      [other, refreshToken],
      [setup.app, refreshToken],
      [setup.app, 'no-such-token'],
    ] as const) {
      expect((await revoke(ts, host, app, token)).status).toBe(200);
    }
    const events = await audit({ instance: setup.instance.name, action: 'token.*' });
    expect(events.map((e) => [e.Action, e.Actor, e.Details.kind])).toEqual([
      ['token.revoked', setup.app.clientId, 'refresh_token'],
      ['token.revoked.refused', other.clientId, 'refresh_token'],
      ['token.revoked', setup.app.clientId, 'access_token'],
    ]);
    const [refresh, refused, access] = events;
    const jti = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).jti;
    expect(access).toMatchObject({ Target: jti, Details: { userId: setup.user.Id }, Ip: '127.0.0.1' });
    expect(refresh).toMatchObject({ Target: expect.any(String), Details: { userId: setup.user.Id } });
    expect(refused).toMatchObject({ Target: refresh.Target, Details: { reason: 'another_application' } });
    const raw = JSON.stringify(events);
    for (const secret of [accessToken, refreshToken, setup.app.clientSecret, other.clientSecret]) expect(raw).not.toContain(secret);
  });

  it('records sign-ins (failed and succeeded) and the sign-out, under the user and the instance', async () => {
    const setup = await signInSetup(ts);
    const flow = await codeFlowSecrets(ts, setup.instance, setup.app, 'john.doe');
    const idToken = flow.responses[1].body.id_token as string;
    const logout = await flow.browser.get(`http://${hostOf(ts, setup.instance)}/id/connect/endsession?id_token_hint=${idToken}`);
    expect(logout.status).toBeLessThan(500);

    const events = await audit({ instance: setup.instance.name, action: 'sign-*' });
    expect(events.map((e) => [e.Action, e.Actor, e.Target])).toEqual([
      ['sign-out', 'john.doe', 'john.doe'],
      ['sign-in.succeeded', 'john.doe', 'john.doe'],
      ['sign-in.failed', 'john.doe', 'john.doe'],
    ]);
    const [signOut, succeeded, failed] = events;
    expect(failed.Details).toEqual({ reason: 'invalid_credentials' });
    expect(failed.Ip).toBe('127.0.0.1');
    expect(succeeded.Details).toEqual({ method: 'pwd', userId: setup.user.Id });
    expect(typeof signOut.Details.sid).toBe('string');
    expect([signOut.Ip, typeof signOut.RequestId]).toEqual(['127.0.0.1', 'string']);
    const raw = JSON.stringify(events);
    for (const secret of flow.secrets) expect(raw).not.toContain(secret);

    // An unknown name is audited under the name that was typed.
    const browser = new Browser(ts);
    const page = await browser.get(`http://${hostOf(ts, setup.instance)}/id/account/login`);
    const form = parseForm(page.text);
    expect((await browser.post(form.action, { ...form.fields, username: 'nobody.here', password: 'whatever-it-is' })).status).toBe(401);
    const [unknown] = await audit({ instance: setup.instance.name, action: 'sign-in.failed' });
    expect(unknown).toMatchObject({ Actor: 'nobody.here', Target: 'nobody.here', Details: { reason: 'invalid_credentials' } });
  });

  it('filters by instance and action, pages with limit and before, newest first', async () => {
    const a = await createInstance(ts);
    const b = await createInstance(ts);
    for (const login of ['u1', 'u2', 'u3']) await createUser(ts, a, { Login: login });
    await createUser(ts, b, { Login: 'u9' });

    const forA = await audit({ instance: a.name, action: 'user.created' });
    expect(forA.map((e) => e.Target)).toEqual(['u3', 'u2', 'u1']);
    const firstTwo = await audit({ instance: a.name, action: 'user.created', limit: '2' });
    expect(firstTwo.map((e) => e.Target)).toEqual(['u3', 'u2']);
    const next = await audit({ instance: a.name, action: 'user.created', before: firstTwo[1].Id });
    expect(next.map((e) => e.Target)).toEqual(['u1']);
    // Cross-tenant: B's events never show under A, and the other way round.
    expect((await audit({ instance: b.name })).map((e) => e.Target)).toEqual(['u9', b.name]);
    const all = await audit({ limit: '1000' });
    expect(all.length).toBeGreaterThanOrEqual(forA.length + 2);
    expect(all.map((e) => Number(e.Id))).toEqual([...all.map((e) => Number(e.Id))].sort((x, y) => y - x));
    expect((await audit({ limit: '1' })).length).toBe(1);
  });

  it('keeps the events of a deleted instance under its name', async () => {
    const instance: InstanceFixture = await createInstance(ts);
    await createUser(ts, instance, { Login: 'gone' });
    expect((await ts.http().delete(`/admin/v1/instances/${instance.name}`).set(auth)).status).toBe(204);
    const events = await audit({ instance: instance.name });
    expect(events.map((e) => e.Action)).toEqual(['instance.deleted', 'user.created', 'instance.created']);
    expect(events.every((e) => e.Instance === instance.name)).toBe(true);
  });

  it('401 without the admin key; 400 for a bad limit or before, or a repeated filter', async () => {
    const anonymous = await ts.http().get('/admin/v1/audit');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    for (const q of ['limit=0', 'limit=1001', 'limit=abc', 'before=x', 'action=a&action=b']) {
      const res = await ts.http().get(`/admin/v1/audit?${q}`).set(auth);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
      expect(res.body.error).toBe('invalid_request');
    }
  });
});
