import { auth } from '../../utils/fixtures';
import { nodeEnv, requestInFlight, sleep, startServerProcess } from '../../utils/server-process';
import { unique } from '../../utils/test-server';

/** SIGTERM to a real server process (one process, WORKERS=1; the cluster is in test/e2e/cluster). */
describe('graceful shutdown on SIGTERM', () => {
  it('stops accepting, finishes the request in flight, closes the database and exits 0', async () => {
    const node = await startServerProcess(nodeEnv({ DATA_DIR: ':memory:', LOG_LEVEL: 'info' }));
    const name = unique('inst');
    const slow = requestInFlight(node.port, {
      host: 'localhost',
      path: '/admin/v1/instances',
      headers: auth,
      body: JSON.stringify({ Name: name, Hosts: [`${name}.test.local`], Database: 'E1_SHUTDOWN' }),
    });
    await slow.opened;
    await sleep(200); // the server has the headers: the request is in flight

    node.child.kill('SIGTERM');
    await sleep(500);
    // no new connections while draining
    await expect(fetch(`${node.baseUrl}/healthz`)).rejects.toThrow();
    expect(node.child.exitCode).toBeNull();

    slow.finish();
    const res = await slow.response;
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ Name: name });
    expect(await node.exited).toEqual({ code: 0, signal: null });
    expect(node.output()).toMatch(/SIGTERM: accepting no new connections/);
    expect(node.output()).toMatch(/\bclosed\b/);
  }, 120_000);

  it('a keep-alive connection is closed once its request is answered, not held until the cut', async () => {
    const node = await startServerProcess(nodeEnv({ DATA_DIR: ':memory:', LOG_LEVEL: 'info' }));
    const name = unique('inst');
    const slow = requestInFlight(node.port, { host: 'localhost', path: '/admin/v1/instances', headers: auth, keepAlive: true, body: JSON.stringify({ Name: name, Hosts: [`${name}.test.local`], Database: 'E1_X' }) });
    await slow.opened;
    await sleep(200);
    node.child.kill('SIGTERM');
    await sleep(200);
    const finished = Date.now();
    slow.finish();
    expect((await slow.response).status).toBe(201);
    expect(await node.exited).toEqual({ code: 0, signal: null });
    // Not held for the keep-alive timeout (5 s) or the 10 s grace: closed once idle (~0.3 s here).
    expect(Date.now() - finished).toBeLessThan(3_000);
    expect(node.output()).not.toMatch(/requests still running/);
  }, 120_000);

  it('a second signal while draining changes nothing', async () => {
    const node = await startServerProcess(nodeEnv({ DATA_DIR: ':memory:' }));
    const slow = requestInFlight(node.port, { host: 'localhost', path: '/admin/v1/instances', headers: auth, body: JSON.stringify({ Name: unique('inst'), Hosts: [`${unique('h')}.test.local`], Database: 'E1_X' }) });
    await slow.opened;
    await sleep(200);
    node.child.kill('SIGTERM');
    await sleep(100);
    node.child.kill('SIGINT');
    await sleep(200);
    slow.finish();
    expect((await slow.response).status).toBe(201);
    expect(await node.exited).toEqual({ code: 0, signal: null });
  }, 120_000);
});
