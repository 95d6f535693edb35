// Starting, preparing and stopping the servers under test. Loopback only.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus as osCpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { postForm, request } from './http.mjs';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const CALLBACK = 'https://app.example.com/signin-callback';
export const CLIENT_ID = 'bench.app';
export const CLIENT_SECRET = 'bench-client-secret-0123456789';
export const USER = { username: 'alice', password: 'correct horse battery' };
export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
export const HOST = 'bench.localhost';

const cpuCount = () => osCpus().length;

export const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

/**
 * `node args` pinned to `cpus` (e.g. '0') when taskset is there; cpus null = every core. The
 * bench itself runs pinned to core 1 and a child inherits that, so "every core" must be explicit.
 */
export function spawnNode(args, { cpus, env, cwd = ROOT }) {
  const allowed = cpus ?? `0-${cpuCount() - 1}`;
  const cmd = hasTaskset ? 'taskset' : process.execPath;
  const argv = hasTaskset ? ['-c', allowed, process.execPath, ...args] : args;
  const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.output = '';
  child.stdout.on('data', (c) => (child.output += c));
  child.stderr.on('data', (c) => (child.output += c));
  return child;
}

export async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(t);
}

/** Polls `url` until it answers 200; returns the milliseconds since `since`. */
export async function waitReady(url, child, since, { host, timeoutMs = 120_000 } = {}) {
  while (performance.now() - since < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${child.output}`);
    try {
      const res = await request(url, { host });
      if (res.status === 200) return performance.now() - since;
    } catch {
      /* not listening yet */
    }
    await sleep(10);
  }
  throw new Error(`not ready after ${timeoutMs} ms: ${url}\n${child.output}`);
}

/** Private memory of a process and its children (RSS, kB → MiB). */
export function rssMiB(pid) {
  let total = 0;
  const pids = [pid];
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    pids.push(...children);
  } catch {
    /* no children file */
  }
  for (const p of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return total / 1024;
}

/** Does the built server know WORKERS (node:cluster)? */
export function serverSupportsWorkers() {
  try {
    const main = readFileSync(join(ROOT, 'dist/src/main.js'), 'utf8');
    return /WORKERS/.test(main) || /node:cluster/.test(main);
  } catch {
    return false;
  }
}

export function ourEnv({ port, dataDir, databaseUrl, workers = 1, kek, extra = {} }) {
  const env = { ...process.env, ...extra, PORT: String(port), ADMIN_API_KEY: ADMIN_KEY, KEY_ENCRYPTION_KEY: kek, SEED_DEMO: 'false', LOG_LEVEL: 'warn', NODE_ENV: 'production', WORKERS: String(workers) };
  delete env.NODE_OPTIONS;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else {
    delete env.DATABASE_URL;
    env.DATA_DIR = dataDir;
  }
  return env;
}

/** Our server, built, production mode, pinned to `cpus`. */
export async function startOurs({ name, port, dataDir, databaseUrl, workers = 1, cpus = '0', kek, root = ROOT, extra }) {
  const t0 = performance.now();
  const child = spawnNode([join(root, 'dist/src/main.js')], { cpus, cwd: root, env: ourEnv({ port, dataDir, databaseUrl, workers, kek, extra }) });
  const startupMs = await waitReady(`http://127.0.0.1:${port}/healthz`, child, t0);
  return { name, kind: 'ours', port, base: `http://127.0.0.1:${port}`, host: `${HOST}:${port}`, child, startupMs, workers, databaseUrl };
}

export async function startOpr({ port, cpus = '0' }) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-opr' };
  const env = { ...process.env, PORT: String(port), NODE_ENV: 'production', BENCH_JWK: JSON.stringify(jwk), BENCH_CALLBACK: CALLBACK, BENCH_CLIENT_SECRET: CLIENT_SECRET, BENCH_USER_PASSWORD: USER.password };
  delete env.NODE_OPTIONS;
  const t0 = performance.now();
  const child = spawnNode(['bench/oidc-provider.mjs'], { cpus, env });
  const startupMs = await waitReady(`http://127.0.0.1:${port}/.well-known/openid-configuration`, child, t0);
  return { name: 'node-oidc-provider', kind: 'opr', port, base: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, child, startupMs, workers: 1 };
}

/** Instance settings that lift the rate limits for a load test (the limiter still runs and counts). */
export const RATE_LIMITS_OFF = { TokenRateLimitPerClient: 1_000_000, TokenRateLimitPerIp: 1_000_000, SignInRateLimitPerIp: 1_000_000, SignInRateLimitPerAccount: 1_000_000 };

const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

async function adminPost(server, path, body) {
  const res = await request(`${server.base}/admin/v1${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body), host: server.host });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return JSON.parse(res.text);
}

export function secretHash(secret) {
  return createHash('sha256').update(secret).digest('base64');
}

/** One instance with a system user, a user with a password, one application and a SAT. */
export async function prepareOurs(server) {
  const instance = { Name: 'bench', Hosts: [HOST], Database: 'E1_BENCH', Type: 'Instance', AuthorizationCodeLifetime: 600 };
  // The per-instance rate limits (where the server has them) would refuse a load test: raised, still counted.
  try {
    await adminPost(server, '/instances', { ...instance, ...RATE_LIMITS_OFF });
    server.rateLimitsRaised = true;
  } catch (e) {
    if (!/RateLimit/.test(String(e.message))) throw e;
    await adminPost(server, '/instances', instance);
  }
  await adminPost(server, '/instances/bench/users', { Login: 'svc', Name: 'Service', UserType: 'InternalUser' });
  await adminPost(server, '/instances/bench/users', { Login: USER.username, Name: 'Alice', Email: 'alice@example.com', EmailVerified: true, Password: USER.password, UserType: 'InternalUser' });
  await adminPost(server, '/instances/bench/trusted-applications', {
    Name: 'Bench',
    ApplicationUri: CLIENT_ID,
    ClientType: 'Confidential',
    ApplicationSecretHash: secretHash(CLIENT_SECRET),
    Scope: 'read update',
    SystemUser: 'svc',
    SystemUserAllowed: true,
    ImpersonateAsInternalUserAllowed: true,
    ImpersonateLoginUrl: CALLBACK,
  });
  // A SAT needs an application with AccessTokens AdministratorsOnly: a second one, as for opr.
  await adminPost(server, '/instances/bench/trusted-applications', {
    Name: 'Bench resource server',
    ApplicationUri: 'bench.intro',
    ClientType: 'Confidential',
    ApplicationSecretHash: secretHash(CLIENT_SECRET),
    Scope: 'read',
    SystemUser: 'svc',
    SystemUserAllowed: true,
    AccessTokens: 'AdministratorsOnly',
  });
  const sat = await adminPost(server, '/instances/bench/reference-tokens', { Kind: 'SAT', ApplicationUri: 'bench.intro', Scope: 'read', Description: 'bench', ExpiresAt: new Date(Date.now() + 30 * 86400_000).toISOString() });
  server.introspect = { path: '/id/connect/introspect', clientId: 'bench.intro', token: sat.Token ?? sat.token ?? sat.AccessToken };
  if (!server.introspect.token) throw new Error(`reference token response without a token: ${JSON.stringify(sat)}`);
  server.paths = paths('ours');
}

export async function prepareOpr(server) {
  const res = await postForm(`${server.base}/token`, { grant_type: 'client_credentials', client_id: 'bench.intro', client_secret: CLIENT_SECRET }, { host: server.host });
  if (res.status !== 200) throw new Error(`opr: opaque token: ${res.status} ${res.text}`);
  server.introspect = { path: '/token/introspection', clientId: 'bench.intro', token: JSON.parse(res.text).access_token };
  server.paths = paths('opr');
}

function paths(kind) {
  return kind === 'ours'
    ? { token: '/id/connect/token', discovery: '/id/.well-known/openid-configuration', jwks: '/id/.well-known/openid-configuration/jwks', authorize: '/id/connect/authorize' }
    : { token: '/token', discovery: '/.well-known/openid-configuration', jwks: '/jwks', authorize: '/auth' };
}

export function randomHex(n) {
  return randomBytes(n).toString('hex');
}

/** autocannon's options for one of our server's hot routes: `cc` (client_credentials), `discovery` or `jwks`. */
export function hotRoute(server, scenario) {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'read' }).toString();
  return {
    cc: { url: `${server.base}/id/connect/token`, method: 'POST', body, headers: { host: server.host, 'content-type': 'application/x-www-form-urlencoded' } },
    discovery: { url: `${server.base}/id/.well-known/openid-configuration`, headers: { host: server.host } },
    jwks: { url: `${server.base}/id/.well-known/openid-configuration/jwks`, headers: { host: server.host } },
  }[scenario];
}
