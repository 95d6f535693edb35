import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { Clock } from '../../src/common/crypto/clock';
import { loadConfig } from '../../src/config/app-config';
import { createServer, type Server, type ServerOptions } from '../../src/server';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface TestServer {
  server: Server;
  /** supertest against the in-process server; set Host per request. */
  http: () => ReturnType<typeof request>;
  /** http://127.0.0.1:{port} once listen() was called. */
  baseUrl?: string;
  port?: number;
  listen(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Boots the real application: embedded in-memory PGlite by default, the PostgreSQL of
 * DATABASE_URL when it is set (as CI does for its second run).
 */
export async function startTestServer(env: Record<string, string> = {}, options: ServerOptions = {}): Promise<TestServer> {
  const config = loadConfig({
    DATA_DIR: ':memory:',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    ADMIN_API_KEY: ADMIN_KEY,
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    SEED_DEMO: 'false',
    KEY_PROPAGATION_DELAY_SECONDS: '0',
    LOG_LEVEL: 'fatal',
    // No purge at a random moment (it would show in the statements a test counts); tests ask for it.
    HOUSEKEEPING_INTERVAL_SECONDS: '0',
    ...env,
  });
  const server = await createServer(config, options);
  await server.app.getHttpAdapter().getInstance().ready();
  const ts: TestServer = {
    server,
    http: () => request(server.app.getHttpServer()),
    async listen() {
      await server.app.listen(0, '127.0.0.1');
      const address = server.app.getHttpServer().address();
      ts.port = typeof address === 'object' && address ? address.port : 0;
      ts.baseUrl = `http://127.0.0.1:${ts.port}`;
      return ts.port;
    },
    close: () => server.close(),
  };
  return ts;
}

/** A name unique to this run, so that files sharing one PostgreSQL never collide. */
export function unique(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

/** Moves the server's clock `seconds` ahead of real time until jest.restoreAllMocks(). */
export function moveClock(ts: TestServer, seconds: number): void {
  const clock = ts.server.app.get(Clock);
  const now = clock.now.bind(clock);
  jest.spyOn(clock, 'now').mockImplementation(() => new Date(now().getTime() + seconds * 1000));
}
