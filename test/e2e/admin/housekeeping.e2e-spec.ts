import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { HousekeepingService } from '../../../src/modules/housekeeping/housekeeping.service';
import { auth, createInstance } from '../../utils/fixtures';
import { InstancesService } from '../../../src/modules/instances/instances.service';
import { KeysService } from '../../../src/modules/keys/keys.service';
import { nodeEnv, startServerProcess, within } from '../../utils/server-process';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { hostOf, obtainCode, setupInstance, signInTokens, type Setup } from '../sign-in/authorize.fixture';

/** Expired rows go; what can still be used stays. Rows are aged by SQL, so that the purge runs on the real clock. */
describe('housekeeping: expired codes, tokens, sessions and links are deleted', () => {
  let ts: TestServer;
  let setup: Setup;
  let db: DataSource;
  let instanceId: string;

  beforeAll(async () => {
    ts = await startTestServer();
    await ts.listen();
    setup = await setupInstance(ts);
    db = ts.server.app.get(DataSource);
    [{ id: instanceId }] = await db.query('SELECT id FROM instances WHERE name = $1', [setup.instance.name]);
  });
  afterAll(() => ts?.close());

  const count = async (sql: string, params: unknown[]) => Number((await db.query(sql, params))[0].n);
  const run = () => ts.http().post('/admin/v1/housekeeping').set(auth);

  it('deletes only what has expired (past its grace), and says how many of each went', async () => {
    // Two grants with refresh tokens and sessions, and one code never exchanged.
    const kept = await signInTokens(ts, setup, { scope: 'openid offline_access' });
    const old = await signInTokens(ts, setup, { scope: 'openid offline_access' });
    const unused = await obtainCode(ts, setup);
    const stale = await obtainCode(ts, setup);
    const sidOf = (token: string) => decodeJwt(token).sid as string;

    // The old grant: its refresh token expired two hours ago, its session ended two days ago.
    await db.query(`UPDATE refresh_tokens SET expires_at = now() - interval '2 hours' WHERE instance_id = $1 AND session_sid = $2`, [instanceId, sidOf(old.body.access_token)]);
    await db.query(`UPDATE sessions SET ended_at = now() - interval '2 days' WHERE instance_id = $1 AND sid = $2`, [instanceId, sidOf(old.body.access_token)]);
    // A code expired two hours ago goes; one expired ten minutes ago stays (a late replay is still recognised).
    await db.query(`UPDATE authorization_codes SET expires_at = now() - interval '2 hours' WHERE instance_id = $1 AND redirect_uri IS NOT NULL AND code_hash = encode(sha256($2::bytea), 'hex')`, [instanceId, stale.code]);
    await db.query(`UPDATE authorization_codes SET expires_at = now() - interval '10 minutes' WHERE instance_id = $1 AND code_hash = encode(sha256($2::bytea), 'hex')`, [instanceId, unused.code]);
    // A revoked access token: its entry goes once the token itself has expired.
    const revoked = await ts.http().post('/id/connect/revocation').set('Host', hostOf(ts, setup.instance)).type('form')
      .send({ token: old.body.access_token, client_id: setup.app.clientId, client_secret: setup.app.clientSecret });
    expect(revoked.status).toBe(200);
    const jti = decodeJwt(old.body.access_token).jti as string;
    expect(await count('SELECT count(*) AS n FROM revoked_access_tokens WHERE instance_id = $1 AND jti = $2', [instanceId, jti])).toBe(1);
    await db.query(`UPDATE revoked_access_tokens SET expires_at = now() - interval '1 second' WHERE instance_id = $1 AND jti = $2`, [instanceId, jti]);

    const res = await run();
    expect(res.status).toBe(200);
    // Other test files may share the database: at least ours went.
    expect(res.body.Deleted.AuthorizationCodes).toBeGreaterThanOrEqual(1);
    expect(res.body.Deleted.RefreshTokens).toBeGreaterThanOrEqual(1);
    expect(res.body.Deleted.RevokedAccessTokens).toBeGreaterThanOrEqual(1);
    expect(res.body.Deleted.Sessions).toBeGreaterThanOrEqual(1);
    expect(Object.keys(res.body.Deleted).sort()).toEqual(['AccountTokens', 'AuthorizationCodes', 'DeviceAuthorizations', 'Outbox', 'PushedAuthorizationRequests', 'RefreshTokens', 'RevokedAccessTokens', 'Sessions', 'SignInFailures']);

    const codeRows = (code: string) => count(`SELECT count(*) AS n FROM authorization_codes WHERE code_hash = encode(sha256($1::bytea), 'hex')`, [code]);
    expect(await codeRows(stale.code)).toBe(0);
    expect(await codeRows(unused.code)).toBe(1);
    const sessionRows = (token: string) => count('SELECT count(*) AS n FROM sessions WHERE instance_id = $1 AND sid = $2', [instanceId, sidOf(token)]);
    expect(await sessionRows(old.body.access_token)).toBe(0);
    expect(await sessionRows(kept.body.access_token)).toBe(1);
    const refreshRows = (token: string) => count('SELECT count(*) AS n FROM refresh_tokens WHERE instance_id = $1 AND session_sid = $2', [instanceId, sidOf(token)]);
    expect(await refreshRows(old.body.access_token)).toBe(0);
    expect(await refreshRows(kept.body.access_token)).toBe(1);
    expect(await count('SELECT count(*) AS n FROM revoked_access_tokens WHERE jti = $1', [jti])).toBe(0);

    // What stays still works: the live grant refreshes, the live session signs in without a password.
    const refreshed = await ts.http().post('/id/connect/token').set('Host', hostOf(ts, setup.instance)).type('form')
      .send({ grant_type: 'refresh_token', refresh_token: kept.body.refresh_token, client_id: setup.app.clientId, client_secret: setup.app.clientSecret });
    expect(refreshed.status).toBe(200);
    const again = await obtainCode(ts, setup, { browser: kept.browser });
    expect(again.code).toBeDefined();
    // The purged refresh token is simply unknown now.
    const gone = await ts.http().post('/id/connect/token').set('Host', hostOf(ts, setup.instance)).type('form')
      .send({ grant_type: 'refresh_token', refresh_token: old.body.refresh_token, client_id: setup.app.clientId, client_secret: setup.app.clientSecret });
    expect([gone.status, gone.body.error]).toEqual([400, 'invalid_grant']);
  });

  it('two runs asked at once share one purge', async () => {
    const service = ts.server.app.get(HousekeepingService);
    const [a, b] = [service.run(), service.run()];
    expect(a).toBe(b);
    await a;
  });

  it('is audited, needs the admin key and takes no body', async () => {
    expect((await ts.http().post('/admin/v1/housekeeping')).status).toBe(401);
    const withBody = await run().send({ Tables: ['sessions'] });
    expect(withBody.status).toBe(400);
    expect((await run()).status).toBe(200);
    const events = await ts.http().get('/admin/v1/audit').query({ action: 'housekeeping.run' }).set(auth);
    expect(events.status).toBe(200);
    expect(events.body.length).toBeGreaterThanOrEqual(1);
    expect(events.body[0]).toMatchObject({ Action: 'housekeeping.run', Actor: 'admin-api' });
  });

  describe('scheduled key rotation (KEY_ROTATION_DAYS, default 90)', () => {
    const keysOf = async (name: string) => (await ts.http().get(`/admin/v1/instances/${name}/keys`).set(auth).expect(200)).body as { Kid: string; State: string }[];
    const age = (name: string, days: number) =>
      db.query(`UPDATE signing_keys SET activates_at = now() - $2 * interval '1 day' WHERE instance_id = (SELECT id FROM instances WHERE name = $1)`, [name, days]);

    it("rotates an instance whose newest key has signed for 90 days, once, as POST …/keys/rotate would, and audits it", async () => {
      const due = await createInstance(ts);
      const young = await createInstance(ts);
      await age(due.name, 91);
      await age(young.name, 89);
      const [before] = await keysOf(due.name);

      const res = await run();
      expect(res.status).toBe(200);
      expect(res.body.RotatedKeys).toContain(due.name);
      expect(res.body.RotatedKeys).not.toContain(young.name);
      const after = await keysOf(due.name);
      expect(after).toHaveLength(2);
      // The new key is announced first (KEY_PROPAGATION_DELAY_SECONDS is 0 here, so it signs at once); the old one stays published.
      expect(after.find((k) => k.Kid === before.Kid)!.State).toBe('Retired');
      expect(after.find((k) => k.Kid !== before.Kid)!.State).toBe('Active');
      expect(await keysOf(young.name)).toHaveLength(1);

      // The next run finds it done.
      expect((await run()).body.RotatedKeys).not.toContain(due.name);
      expect(await keysOf(due.name)).toHaveLength(2);

      const events = await ts.http().get('/admin/v1/audit').query({ instance: due.name, action: 'keys.rotated' }).set(auth);
      expect(events.body).toEqual([expect.objectContaining({ Actor: 'housekeeping', Action: 'keys.rotated', Target: due.name, Details: { scheduled: true, keyRotationDays: 90 } })]);
    });

    it('two nodes finding the same instance due rotate it once', async () => {
      const due = await createInstance(ts);
      await age(due.name, 100);
      const keys = ts.server.app.get(KeysService);
      const instance = await ts.server.app.get(InstancesService).getByName(due.name);
      const dueBefore = new Date(Date.now() - 90 * 86_400_000);
      const outcomes = await Promise.all([keys.rotateIfDue(instance, dueBefore), keys.rotateIfDue(instance, dueBefore), keys.rotateIfDue(instance, dueBefore)]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect(await keysOf(due.name)).toHaveLength(2);
    });

    it('KEY_ROTATION_DAYS=0 leaves keys to the operator', async () => {
      const manual = await startTestServer({ KEY_ROTATION_DAYS: '0' });
      try {
        const instance = await createInstance(manual);
        await manual.server.app.get(DataSource).query(`UPDATE signing_keys SET activates_at = now() - interval '400 days' WHERE instance_id = (SELECT id FROM instances WHERE name = $1)`, [instance.name]);
        const res = await manual.http().post('/admin/v1/housekeeping').set(auth);
        expect(res.body.RotatedKeys).toEqual([]);
      } finally {
        await manual.close();
      }
    });
  });

  it('AUDIT_RETENTION_DAYS purges audit events older than that, and only then', async () => {
    const retaining = await startTestServer({ AUDIT_RETENTION_DAYS: '30' });
    try {
      const rdb = retaining.server.app.get(DataSource);
      const [{ id: oldId }] = await rdb.query(`INSERT INTO audit_events (actor, action, created_at) VALUES ('test', 'test.old', now() - interval '31 days') RETURNING id`);
      const [{ id: newId }] = await rdb.query(`INSERT INTO audit_events (actor, action, created_at) VALUES ('test', 'test.recent', now() - interval '29 days') RETURNING id`);
      const res = await retaining.http().post('/admin/v1/housekeeping').set(auth);
      expect(res.body.Deleted.AuditEvents).toBeGreaterThanOrEqual(1);
      const left = await rdb.query('SELECT id FROM audit_events WHERE id = ANY($1::bigint[])', [[oldId, newId]]);
      expect(left.map((r: { id: string }) => String(r.id))).toEqual([String(newId)]);
    } finally {
      await retaining.close();
    }
  });

  it('runs by itself at HOUSEKEEPING_INTERVAL_SECONDS, and the metrics say when it last finished', async () => {
    const node = await startServerProcess(nodeEnv({ HOUSEKEEPING_INTERVAL_SECONDS: '1', DATA_DIR: ':memory:' }));
    try {
      const lastRun = async () => {
        const text = (await node.http().get('/metrics').set(auth)).text;
        const line = text.split('\n').find((l) => l.startsWith('housekeeping_last_run_timestamp_seconds '));
        return line ? Number(line.split(' ')[1]) : 0;
      };
      const started = Date.now() / 1000;
      await within(10_000, async () => (await lastRun()) > started, 'a first purge');
      const first = await lastRun();
      // And again, a second or so later.
      await within(10_000, async () => (await lastRun()) > first, 'a second purge');
    } finally {
      await node.stop();
    }
  });
});
