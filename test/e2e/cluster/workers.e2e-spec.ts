import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Browser, parseForm, responseParams } from '../../utils/browser';
import { auth } from '../../utils/fixtures';
import { balancer, nodeEnv, requestInFlight, sleep, startServerProcess, within, type ServerProcess } from '../../utils/server-process';
import { unique } from '../../utils/test-server';
import { CALLBACK, PASSWORD, signInSetup } from '../sign-in/sign-in.fixture';

/** The worker processes of a cluster primary (Linux: its children). */
function workerPids(primary: ServerProcess): number[] {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(primary.child.pid)], { encoding: 'utf8' });
  return out.split('\n').map((l) => Number(l.trim())).filter(Boolean);
}

/**
 * WORKERS=2 without DATABASE_URL: the primary owns the embedded PGlite, both workers reach it over
 * the wire protocol with one connection each, and cache changes travel through the primary.
 */
describe('WORKERS=2 on the embedded database', () => {
  let dataDir: string;
  let node: ServerProcess;
  let env: Record<string, string>;
  // Connection: close makes every request a new connection, which the primary hands out round robin.
  const fresh = (path: string, host: string) => node.http().get(path).set('Host', host).set('Connection', 'close');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'iis-workers-'));
    env = nodeEnv({ WORKERS: '2', DATA_DIR: dataDir, SEED_DEMO: 'true', CACHE_TTL_SECONDS: '600', LOG_LEVEL: 'info' });
    node = await startServerProcess(env);
    await within(60_000, async () => node.output().includes('2 workers serving'), 'both workers listen');
  }, 90_000);

  afterAll(async () => {
    if (node && node.child.exitCode === null) await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('forks WORKERS workers; the first one alone seeds the demo', () => {
    expect(workerPids(node)).toHaveLength(2);
    expect(node.output().match(/demo created:/g)).toHaveLength(1);
  });

  it('serves concurrent reads, writes and sign-ins through both workers, one database connection each', async () => {
    const lb = balancer([node]);
    const { instance, app } = await signInSetup(lb);
    const issuer = `http://${instance.host}:${node.port}/id`;
    const signInAndRedeem = async () => {
      const browser = new Browser(lb);
      const authorize = `${issuer}/connect/authorize?${new URLSearchParams({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid offline_access' })}`;
      const first = await browser.get(authorize);
      const page = await browser.get(first.location!);
      const { action, fields } = parseForm(page.text);
      const signedIn = await browser.post(action, { ...fields, username: 'john.doe', password: PASSWORD });
      const code = responseParams(signedIn.location!).code;
      const token = await node.http().post('/id/connect/token').set('Host', `${instance.host}:${node.port}`).set('Connection', 'close').type('form')
        .send({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, client_id: app.clientId, client_secret: app.clientSecret });
      return token.status;
    };
    const work: Promise<number>[] = [];
    for (let i = 0; i < 15; i++) {
      work.push(fresh('/id/.well-known/openid-configuration', instance.host).then((r) => r.status));
      work.push(node.http().post(`/admin/v1/instances/${instance.name}/users`).set(auth).set('Connection', 'close').send({ Login: unique('u'), Password: 'long enough password' }).then((r) => r.status));
      work.push(node.http().get(`/admin/v1/instances/${instance.name}/users`).set(auth).set('Connection', 'close').then((r) => r.status));
    }
    for (let i = 0; i < 4; i++) work.push(signInAndRedeem());
    const statuses = await Promise.all(work);
    expect(statuses.filter((s) => s >= 300)).toEqual([]);
  });

  it('a code redeemed at both workers at the same moment: one wins', async () => {
    const lb = balancer([node]);
    const { instance, app } = await signInSetup(lb);
    const browser = new Browser(lb);
    const authorize = `http://${instance.host}:${node.port}/id/connect/authorize?${new URLSearchParams({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid offline_access' })}`;
    const page = await browser.get((await browser.get(authorize)).location!);
    const { action, fields } = parseForm(page.text);
    let location = (await browser.post(action, { ...fields, username: 'john.doe', password: PASSWORD })).location!;
    for (let round = 0; round < 3; round++) {
      if (round > 0) location = (await browser.get(authorize)).location!;
      const form = { grant_type: 'authorization_code', code: responseParams(location).code, redirect_uri: CALLBACK, client_id: app.clientId, client_secret: app.clientSecret };
      const redeem = () => node.http().post('/id/connect/token').set('Host', `${instance.host}:${node.port}`).set('Connection', 'close').type('form').send(form);
      const results = await Promise.all([redeem(), redeem()]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
      expect(results.find((r) => r.status === 400)!.body.error).toBe('invalid_grant');
    }
  });

  it('a change made through one worker reaches the other at once', async () => {
    const { createApplication, createInstance, createUser } = await import('../../utils/fixtures');
    const lb = balancer([node]);
    const instance = await createInstance(lb);
    await createUser(lb, instance, { Login: 'svc' });
    const app = await createApplication(lb, instance, { Scope: 'read', SystemUser: 'svc', SystemUserAllowed: true });
    const token = () => node.http().post('/id/connect/token').set('Host', instance.host).set('Connection', 'close').type('form')
      .send({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret });
    // both workers cache the application (round robin over new connections)
    for (let i = 0; i < 6; i++) expect((await token()).status).toBe(200);
    expect((await node.http().patch(`/admin/v1/instances/${instance.name}/trusted-applications/${app.clientId}`).set(auth).send({ IsEnabled: false })).status).toBe(200);
    await sleep(100);
    for (let i = 0; i < 6; i++) expect((await token()).status).toBe(401);
  });

  it("a client's rate limit counts its requests at both workers", async () => {
    const { createApplication, createInstance, createUser } = await import('../../utils/fixtures');
    const lb = balancer([node]);
    const instance = await createInstance(lb, { TokenRateLimitPerClient: 4 });
    await createUser(lb, instance, { Login: 'svc' });
    const app = await createApplication(lb, instance, { Scope: 'read', SystemUser: 'svc', SystemUserAllowed: true });
    const token = () => node.http().post('/id/connect/token').set('Host', instance.host).set('Connection', 'close').type('form')
      .send({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret });
    // four requests over new connections, handed to the workers in turn: two each, under the limit of 4
    for (let i = 0; i < 4; i++) expect((await token()).status).toBe(200);
    await sleep(300); // the workers tell each other their counts every 100 ms
    // counted apart, each worker would let its third request through; counted together, neither does
    const refused = [await token(), await token()];
    expect(refused.map((r) => r.status)).toEqual([429, 429]);
    expect(refused[0].body.error).toBe('temporarily_unavailable');
  });

  it('a worker that dies is replaced', async () => {
    const [victim] = workerPids(node);
    process.kill(victim, 'SIGKILL');
    await within(30_000, async () => {
      const pids = workerPids(node);
      return pids.length === 2 && !pids.includes(victim);
    }, 'a new worker replaces the dead one');
    await within(30_000, async () => (await fresh('/readyz', 'localhost')).status === 200, 'serving');
    for (let i = 0; i < 4; i++) expect((await fresh('/healthz', 'localhost')).status).toBe(200);
  });

  it('SIGTERM: every worker finishes its requests, the primary exits 0, and the data survives a restart', async () => {
    const name = unique('inst');
    const slow = requestInFlight(node.port, { host: 'localhost', path: '/admin/v1/instances', headers: auth, body: JSON.stringify({ Name: name, Hosts: [`${name}.test.local`], Database: 'E1_W' }) });
    await slow.opened;
    await sleep(300);
    node.child.kill('SIGTERM');
    await sleep(500);
    slow.finish();
    expect((await slow.response).status).toBe(201);
    expect(await node.exited).toEqual({ code: 0, signal: null });
    expect(node.output()).toMatch(/SIGTERM: stopping 2 workers/);

    // the same DATA_DIR again: everything is there, and the demo is not created twice
    node = await startServerProcess(env);
    expect((await request(node.baseUrl).get(`/admin/v1/instances/${name}`).set(auth)).status).toBe(200);
    expect((await request(node.baseUrl).get('/admin/v1/instances/testdb').set(auth)).status).toBe(200);
    expect(node.output()).not.toMatch(/demo created:/);
  }, 120_000);
});
