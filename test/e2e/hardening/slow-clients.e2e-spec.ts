import { connect, type Socket } from 'node:net';
import { clientCredentialsSetup } from '../../utils/fixtures';
import { startTestServer, type TestServer } from '../../utils/test-server';
import { LogCapture } from '../observability/observability.fixture';

/** Clients that send slowly or go away mid-request: they hold nothing for long, and are not the database's fault. */
describe('hardening: slow and vanishing clients', () => {
  let ts: TestServer;
  let host: string;
  const logs = new LogCapture();

  beforeAll(async () => {
    ts = await startTestServer({ REQUEST_TIMEOUT_SECONDS: '1', LOG_LEVEL: 'debug' }, { logDestination: logs });
    await ts.listen();
    host = (await clientCredentialsSetup(ts)).instance.host;
  });
  afterAll(() => ts.close());

  /** Sends the head of a form POST announcing 100 bytes, and only `sent` of them. */
  const partialPost = (path: string, sent: string): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = connect(ts.port!, '127.0.0.1', () => {
        socket.write(`POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n${sent}`);
        resolve(socket);
      });
      socket.on('error', reject);
    });

  it.each(['/id/connect/token', '/id/connect/revocation'])('a body sent too slowly to %s gets 408 and the connection closed', async (path) => {
    const socket = await partialPost(path, 'token=abc');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    const started = Date.now();
    await new Promise((resolve) => socket.on('close', resolve));
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 15_000);

  it.each(['/id/connect/token', '/id/connect/revocation'])('a client that goes away mid-body at %s is no database outage', async (path) => {
    const socket = await partialPost(path, 'token=abc');
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const outages = logs.lines.filter((l) => String(l.msg).includes('database unavailable'));
    expect(outages).toEqual([]);
  });
});
