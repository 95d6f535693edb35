import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import request from 'supertest';
import type { TestServer } from './test-server';
import { ADMIN_KEY } from './test-server';
import { freePort } from './throwaway-postgres';

const ROOT = join(__dirname, '..', '..');

/**
 * The real server as its own process (`node src/main.ts` through the SWC require hook, the same
 * transform as jest): what the process tests need that an in-process server cannot show,
 * several nodes, workers, signals.
 */
export interface ServerProcess {
  port: number;
  baseUrl: string;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** supertest against this process. */
  http(): ReturnType<typeof request>;
  /** Resolves with the exit code (or the signal) once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, and SIGKILL if it is still there after `ms`. */
  stop(ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment every test node shares unless told otherwise. */
export function nodeEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ADMIN_API_KEY: ADMIN_KEY,
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    SEED_DEMO: 'false',
    KEY_PROPAGATION_DELAY_SECONDS: '0',
    LOG_LEVEL: 'warn',
    WORKERS: '1',
    ...overrides,
  };
}

/** Starts a server process on a free port and resolves once /readyz answers 200. */
export async function startServerProcess(env: Record<string, string>, options: { readyTimeoutMs?: number } = {}): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const base: Record<string, string | undefined> = { ...process.env };
  // The parent's test settings must not leak in: jest's NODE_OPTIONS, the suite's DATABASE_URL.
  delete base.NODE_OPTIONS;
  delete base.DATABASE_URL;
  delete base.JEST_WORKER_ID;
  const child = spawn(process.execPath, ['-r', join(ROOT, 'test/utils/register-ts.js'), join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: { ...base, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const baseUrl = `http://127.0.0.1:${port}`;
  const proc: ServerProcess = {
    port,
    baseUrl,
    child,
    output: () => out,
    http: () => request(baseUrl),
    exited,
    async stop(ms = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`server process exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server process not ready in time:\n${out}`);
    }
    const ready = await fetch(`${baseUrl}/readyz`).then((r) => r.status === 200).catch(() => false);
    if (ready) return proc;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A TestServer-shaped handle for the Browser and openid-client helpers that sends every request to
 * `target`, which the test may switch between nodes, as a load balancer would. `port` is the one
 * in issuer URLs and Host headers: every node sees the same public host, as behind a proxy.
 */
export function balancer(nodes: ServerProcess[]): TestServer & { target: ServerProcess } {
  const lb = {
    target: nodes[0],
    port: nodes[0].port,
    http: () => request(lb.target.baseUrl),
  };
  return lb as unknown as TestServer & { target: ServerProcess };
}

/** Polls `check` until it returns true or `ms` pass; returns how long it took, or throws. */
export async function within(ms: number, check: () => Promise<boolean>, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const TEST_ADMIN_KEY = ADMIN_KEY;

/**
 * A request in flight for as long as the test wants: the headers and half the body are sent now,
 * the rest when `finish()` is called. The server has begun the request but cannot answer yet.
 */
/** `keepAlive`: the connection is not asked to close after the response (as clients with a pool do). */
export function requestInFlight(port: number, options: { host: string; path: string; body: string; headers?: Record<string, string>; keepAlive?: boolean }) {
  const half = Math.floor(options.body.length / 2);
  let resolveOpen!: () => void;
  const opened = new Promise<void>((r) => (resolveOpen = r));
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: options.path,
    headers: { Host: options.host, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(options.body), Connection: options.keepAlive ? 'keep-alive' : 'close', ...options.headers },
  });
  req.on('socket', (socket) => socket.on('connect', resolveOpen));
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  req.write(options.body.slice(0, half));
  return {
    /** Resolves once the connection is open and the first half is on its way. */
    opened,
    response,
    finish: () => req.end(options.body.slice(half)),
  };
}
