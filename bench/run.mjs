#!/usr/bin/env node
// `npm run bench`: our server side by side with node-oidc-provider, on loopback.
//
// Layout on a 2-core machine: the servers under test are pinned to core 0 (`taskset -c 0`, our
// server with WORKERS=1), this process and its load generator (autocannon, the sign-in driver) to
// core 1. Each comparison runs the servers in alternation (A B A B), BENCH_DURATION seconds each
// (default 5) after a 1 s warm-up, and reports medians. The raw RS256 signing limit of core 0 is
// measured in the same run (a crypto.sign loop, while the servers idle) so that every figure is
// also a fraction of it. Results: bench/results/latest.md (printed) and latest.json.
//
// Env: BENCH_DURATION (s), BENCH_ROUNDS (default 2), BENCH_INSTANCES (default 10000; 0 skips that
// part), DATABASE_URL (also run our server on PostgreSQL: a fresh database is created and dropped),
// BENCH_ONLY (comma-separated comparison ids: cc16,cc64,discovery,jwks,code,signin,refresh,introspect),
// BENCH_WORKERS2=0 (skip the both-cores run), BENCH_BASELINE_ROOT (a directory holding another
// build of the server, dist/ and node_modules, run beside ours as a baseline; BENCH_BASELINE_NAME labels it).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Browser, authorizeToCode, postForm, request } from './lib/http.mjs';
import {
  ADMIN_KEY, CALLBACK, CLIENT_ID, CLIENT_SECRET, HOST, ROOT, USER,
  hasTaskset, prepareOpr, prepareOurs, rssMiB, secretHash, serverSupportsWorkers, spawnNode, startOpr, startOurs, stop,
} from './lib/servers.mjs';

const require = createRequire(import.meta.url);
/** CACHE_TTL_SECONDS of the many-instances server: longer than touching every instance takes. */
const MANY_CACHE_TTL = 600;

// Re-run pinned to core 1: the load generator must not share the servers' core.
if (hasTaskset && !process.env.BENCH_PINNED && cpus().length >= 2) {
  const child = spawn('taskset', ['-c', '1', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await main();
}

async function main() {
  const autocannon = require('autocannon');
  const argon2 = require('@node-rs/argon2');
  const DURATION = Number(process.env.BENCH_DURATION ?? 5);
  const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
  const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 10_000);
  const startedAt = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'iis-bench-'));
  const kek = randomBytes(32).toString('hex');
  const children = [];
  const pgDatabases = [];
  const log = (...a) => console.error(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)}s]`, ...a);
  const cleanup = async () => {
    for (const c of children) await stop(c.child ?? c).catch(() => undefined);
    for (const url of pgDatabases) await dropDatabase(url).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  };
  process.on('SIGINT', () => cleanup().finally(() => process.exit(130)));

  try {
    build(log);
    const results = { date: new Date().toISOString(), loadavg: { start: loadavg() }, machine: machine(), duration: DURATION, rounds: ROUNDS, pinned: hasTaskset && cpus().length >= 2, comparisons: [], notes: [] };

    // ---- the signing limit, before anything else runs
    const limits = [];
    limits.push(await signLimit());
    log(`signing limit: ${limits[0].signPerSec.toFixed(0)}/s`);

    // ---- the servers
    let port = 4300 + Math.floor(Math.random() * 500);
    const ours = await startOurs({ name: 'ours (PGlite)', port: port++, dataDir: join(work, 'ours'), kek });
    children.push(ours);
    results.startupEmptyMs = ours.startupMs;
    await prepareOurs(ours);
    const servers = [ours];
    if (process.env.DATABASE_URL) {
      const url = await createDatabase(process.env.DATABASE_URL, `iis_bench_${Date.now()}`);
      pgDatabases.push(url);
      const pg = await startOurs({ name: 'ours (PostgreSQL)', port: port++, databaseUrl: url, kek });
      children.push(pg);
      await prepareOurs(pg);
      servers.push(pg);
      results.notes.push('PostgreSQL itself is not pinned: its backends run on either core.');
    }
    if (process.env.BENCH_BASELINE_ROOT) {
      // Another build of the server (e.g. before a change), measured in the same alternation.
      const base = await startOurs({ name: `ours, baseline (${process.env.BENCH_BASELINE_NAME ?? process.env.BENCH_BASELINE_ROOT})`, port: port++, dataDir: join(work, 'baseline'), kek, root: process.env.BENCH_BASELINE_ROOT });
      children.push(base);
      await prepareOurs(base);
      servers.push(base);
    }
    const opr = await startOpr({ port: port++ });
    children.push(opr);
    await prepareOpr(opr);
    servers.push(opr);
    if (ours.rateLimitsRaised) results.notes.push('The benchmark instance raises its per-instance rate limits (TokenRateLimitPerClient, TokenRateLimitPerIp, SignInRateLimitPerIp, SignInRateLimitPerAccount) to 1,000,000 per window; the limiter still runs and counts every request.');
    results.notes.push('Our server runs with LOG_LEVEL=warn (no access-log line per request; node-oidc-provider writes none either) and NODE_ENV=production.');
    const bare = await startBare(port++);
    const bareCrypto = await startBare(port++, 'crypto');
    children.push(bare, bareCrypto);
    for (const s of servers) await sanityCheck(s);
    log(`servers ready: ${servers.map((s) => `${s.name} :${s.port}`).join(', ')}`);

    // ---- alternation helper: warm-up, then A B A B, medians
    const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
    async function compare(id, title, list, runOne, { signatures = 0 } = {}) {
      if (only && !only.has(id)) return;
      log(title);
      for (const s of list) await runOne(s, Math.min(1, DURATION));
      const runs = new Map(list.map((s) => [s.name, []]));
      for (let r = 0; r < ROUNDS; r++) for (const s of list) runs.get(s.name).push(await runOne(s, DURATION));
      const row = { id, title, signatures, servers: {} };
      for (const s of list) row.servers[s.name] = summarize(runs.get(s.name));
      results.comparisons.push(row);
      log(`  ${list.map((s) => `${s.name}: ${row.servers[s.name].rps.toFixed(0)}/s, ${row.servers[s.name].cpuUs?.toFixed(0)} µs CPU, ${row.servers[s.name].non2xx + row.servers[s.name].errors} bad`).join(' | ')}`);
      return row;
    }

    const cannon = (s, opts) => runCannon(autocannon, s, opts);
    const tokenBody = (s) => new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'read' }).toString();
    const withBare = [...servers, bare];

    for (const connections of [16, 64]) {
      await compare(`cc${connections}`, `POST token, client_credentials, ${connections} connections`, [...withBare, bareCrypto], (s, d) =>
        cannon(s, { path: s.paths.token, method: 'POST', body: tokenBody(s), form: true, connections, duration: d }), { signatures: 1 });
    }
    limits.push(await signLimit());
    await compare('discovery', 'GET discovery, 16 connections', withBare, (s, d) => cannon(s, { path: s.paths.discovery, connections: 16, duration: d }));
    await compare('jwks', 'GET JWKS, 16 connections', withBare, (s, d) => cannon(s, { path: s.paths.jwks, connections: 16, duration: d }));

    // code exchange: codes made beforehand through single sign-on, then exchanged as fast as they go
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorizeUrl = (s, scope, extra = {}) =>
      `${s.paths.authorize}?${new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: CALLBACK, response_type: 'code', scope, state: randomBytes(8).toString('hex'), nonce: randomBytes(8).toString('hex'), code_challenge: challenge, code_challenge_method: 'S256', ...(s.kind === 'opr' && scope.includes('offline_access') ? { prompt: 'consent' } : {}), ...extra })}`;
    const exchangeBody = (code) => new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier, client_id: CLIENT_ID, client_secret: CLIENT_SECRET }).toString();
    const ssoBrowsers = new Map();
    for (const s of servers) {
      const b = new Browser(s.base, s.host);
      await authorizeToCode(b, authorizeUrl(s, 'openid read'), CALLBACK, USER);
      ssoBrowsers.set(s.name, b);
    }
    const CODES = Math.max(500, Math.round(DURATION * 600));
    const ourCodeLifetime = 600;
    await compare('code', `POST token, authorization_code + PKCE (access + ID token), ${CODES} codes, 16 connections`, servers, async (s, d) => {
      const n = d < DURATION ? Math.round(CODES / DURATION) : CODES;
      const t0 = performance.now();
      const codes = await makeCodes(ssoBrowsers.get(s.name), () => authorizeUrl(s, 'openid read'), n, 16);
      const makeMs = performance.now() - t0;
      const res = await cannon(s, {
        path: s.paths.token, method: 'POST', form: true, connections: 16, amount: codes.length,
        setupRequest: (req) => ({ ...req, body: exchangeBody(codes.pop() ?? 'none') }),
      });
      return { ...res, codesPerSec: (n / makeMs) * 1000 };
    }, { signatures: 2 });
    results.notes.push(`Codes live ${ourCodeLifetime} s on both; they are made by single sign-on (an authorize request with the session cookie) before each run, and the run ends when all are exchanged.`);

    // a full sign-in, browserless: authorize -> sign-in page -> POST credentials -> code -> token
    const argonMs = await argonCost(argon2);
    await compare('signin', 'Full sign-in (authorize, sign-in page, POST password, callback, token with PKCE), 4 browsers', servers, (s, d) =>
      signIns(s, d, 4, () => authorizeUrl(s, 'openid offline_access read'), exchangeBody));
    results.argon2 = { ms: argonMs, params: 'm=19456 KiB, t=2, p=1, the same on both', ceiling: 1000 / argonMs };

    // refresh_token: every connection carries its own chain (both rotate on every use)
    await compare('refresh', 'POST token, refresh_token (rotating; access + ID token), 16 connections', servers, async (s, d) => {
      const pool = [];
      for (let i = 0; i < 16; i++) {
        const code = await authorizeToCode(new Browser(s.base, s.host), authorizeUrl(s, 'openid offline_access read'), CALLBACK, USER);
        const res = await postForm(`${s.base}${s.paths.token}`, Object.fromEntries(new URLSearchParams(exchangeBody(code))), { host: s.host });
        const rt = JSON.parse(res.text).refresh_token;
        if (!rt) throw new Error(`${s.name}: no refresh token: ${res.text}`);
        pool.push(rt);
      }
      return cannon(s, {
        path: s.paths.token, method: 'POST', form: true, connections: 16, duration: d,
        setupRequest: (req) => ({ ...req, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: pool.pop() ?? 'none', client_id: CLIENT_ID, client_secret: CLIENT_SECRET }).toString() }),
        onResponse: (status, body) => {
          if (status === 200) pool.push(JSON.parse(body).refresh_token);
        },
      });
    }, { signatures: 2 });

    await compare('introspect', 'POST introspection of a reference (opaque) token, 16 connections', servers, (s, d) =>
      cannon(s, { path: s.introspect.path, method: 'POST', form: true, connections: 16, duration: d, body: new URLSearchParams({ token: s.introspect.token, client_id: s.introspect.clientId, client_secret: CLIENT_SECRET }).toString() }));
    limits.push(await signLimit());

    // ---- both cores (WORKERS=2), when the server has it
    for (const s of [...children]) await stop(s.child ?? s);
    children.length = 0;
    if (process.env.BENCH_WORKERS2 === '0') {
      results.workers2 = { error: 'skipped (BENCH_WORKERS2=0)' };
    } else if (serverSupportsWorkers()) {
      log('WORKERS=2 on both cores');
      try {
        const two = await startOurs({ name: 'ours, WORKERS=2, both cores (PGlite)', port: port++, dataDir: join(work, 'two'), kek, workers: 2, cpus: null });
        children.push(two);
        await prepareOurs(two);
        const both = { servers: {} };
        for (const connections of [64]) {
          await runCannon(autocannon, two, { path: two.paths.token, method: 'POST', body: tokenBody(two), form: true, connections, duration: 1 });
          const runs = [];
          for (let r = 0; r < ROUNDS; r++) runs.push(await runCannon(autocannon, two, { path: two.paths.token, method: 'POST', body: tokenBody(two), form: true, connections, duration: DURATION }));
          both.cc64 = summarize(runs);
        }
        const runs = [];
        for (let r = 0; r < ROUNDS; r++) runs.push(await runCannon(autocannon, two, { path: two.paths.discovery, connections: 16, duration: DURATION }));
        both.discovery = summarize(runs);
        results.workers2 = both;
        await stop(two.child);
        children.length = 0;
      } catch (e) {
        results.workers2 = { error: String(e?.message ?? e).split('\n')[0] };
      }
    } else {
      results.workers2 = { error: 'the built server does not read WORKERS yet (no node:cluster in dist/src/main.js)' };
    }

    // ---- many instances
    if (INSTANCES > 0) {
      const variants = [{ name: 'PGlite', dataDir: join(work, 'many') }];
      if (process.env.DATABASE_URL) {
        const url = await createDatabase(process.env.DATABASE_URL, `iis_bench_many_${Date.now()}`);
        pgDatabases.push(url);
        variants.push({ name: 'PostgreSQL', databaseUrl: url });
      }
      results.many = [];
      for (const v of variants) {
        log(`${INSTANCES} instances on ${v.name}`);
        results.many.push(await manyInstances({ ...v, count: INSTANCES, port: port++, kek, autocannon, log, duration: DURATION, children }));
      }
    }

    results.signLimit = { samples: limits, median: median(limits.map((l) => l.signPerSec)), signUs: median(limits.map((l) => l.signUs)), signCpuUs: median(limits.map((l) => l.signCpuUs)), joseUs: median(limits.map((l) => l.joseUs)) };
    results.loadavg.end = loadavg();
    results.elapsedSec = (Date.now() - startedAt) / 1000;
    const md = markdown(results);
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/latest.md'), md);
    writeFileSync(join(ROOT, 'bench/results/latest.json'), JSON.stringify(results, null, 2) + '\n');
    console.log(md);
  } finally {
    await cleanup();
  }
}

// ---------------------------------------------------------------------------------------------

function build(log) {
  const entry = join(ROOT, 'dist/src/main.js');
  const newest = (dir) => readdirSync(dir).reduce((m, n) => {
    const p = join(dir, n);
    const st = statSync(p);
    return Math.max(m, st.isDirectory() ? newest(p) : st.mtimeMs);
  }, 0);
  const stale = !existsSync(entry) || Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'libs'))) > statSync(entry).mtimeMs;
  if (!stale) return;
  log('building (nest build)…');
  const r = spawnSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

function loadavg() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  } catch {
    return '?';
  }
}

function machine() {
  const c = cpus();
  return { cores: c.length, cpu: c[0]?.model ?? 'unknown', node: process.version };
}

async function signLimit() {
  const child = spawnNode(['bench/sign-limit.mjs', '1500'], { cpus: '0', env: process.env });
  await new Promise((r) => child.once('exit', r));
  return JSON.parse(child.output.trim().split('\n').pop());
}

/** A bare node:http server with no framework and no database: fixed discovery/JWKS bytes and a token signed by jose, or by one crypto.sign (`signer` 'crypto'). */
async function startBare(port, signer = 'jose') {
  const child = spawnNode(['bench/bare.mjs'], { cpus: '0', env: { ...process.env, PORT: String(port), NODE_ENV: 'production', BARE_SIGNER: signer } });
  const since = performance.now();
  while (!child.output.includes('ready')) {
    if (child.exitCode !== null || performance.now() - since > 20_000) throw new Error(`bare server: ${child.output}`);
    await sleep(20);
  }
  return {
    name: signer === 'crypto' ? 'bare node:http + crypto.sign' : 'bare node:http + jose', kind: 'bare', port, base: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, child,
    paths: { token: '/token', discovery: '/discovery', jwks: '/jwks' },
  };
}

async function sanityCheck(s) {
  const body = { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'read' };
  const res = await postForm(`${s.base}${s.paths.token}`, body, { host: s.host });
  const json = JSON.parse(res.text);
  if (res.status !== 200 || !json.access_token) throw new Error(`${s.name}: client_credentials failed: ${res.status} ${res.text}`);
  const header = JSON.parse(Buffer.from(json.access_token.split('.')[0], 'base64url').toString());
  if (header.alg !== 'RS256') throw new Error(`${s.name}: access token is not RS256`);
  for (const p of [s.paths.discovery, s.paths.jwks]) {
    const r = await request(`${s.base}${p}`, { host: s.host });
    if (r.status !== 200) throw new Error(`${s.name}: GET ${p}: ${r.status}`);
  }
}

async function runCannon(autocannon, s, { path, method = 'GET', body, form, connections, duration, amount, setupRequest, onResponse }) {
  const headers = { host: s.host, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) };
  const opts = { url: `${s.base}${path}`, method, headers, connections, timeout: 10 };
  if (amount) opts.amount = amount;
  else opts.duration = duration;
  if (setupRequest || onResponse) opts.requests = [{ method, path, headers, body, setupRequest, onResponse }];
  else if (body) opts.body = body;
  const pid = s.child?.pid;
  const c0 = cpuMs(pid);
  const t0 = performance.now();
  const r = await autocannon(opts);
  const seconds = (performance.now() - t0) / 1000;
  const total = r.requests.total;
  return {
    rps: total / (amount ? seconds : r.duration),
    cpuUs: s.workers > 1 ? undefined : ((cpuMs(pid) - c0) * 1000) / total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    total,
  };
}

/** CPU time (user + system, all threads) a process has used, in ms; NaN when unknown. */
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return NaN;
  }
}
function clockTicks() {
  // (a function property: module-level bindings below `await main()` are not initialized yet)
  clockTicks.value ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
  return clockTicks.value;
}

function median(xs) {
  const s = [...xs].filter((x) => typeof x === 'number' && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function summarize(runs) {
  const out = { runs: runs.length };
  for (const k of ['rps', 'cpuUs', 'p50', 'p99', 'codesPerSec']) if (runs.some((r) => r[k] !== undefined)) out[k] = median(runs.map((r) => r[k]));
  out.non2xx = runs.reduce((a, r) => a + (r.non2xx ?? 0), 0);
  out.errors = runs.reduce((a, r) => a + (r.errors ?? 0), 0);
  out.samples = runs.map((r) => Math.round(r.rps));
  return out;
}

/** n codes through single sign-on, `concurrency` authorize requests at a time. */
async function makeCodes(browser, url, n, concurrency) {
  const codes = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < n) codes.push(await authorizeToCode(browser, url(), CALLBACK, undefined));
  }));
  return codes;
}

/** `browsers` fresh browsers signing in over and over for `seconds`. */
async function signIns(s, seconds, browsers, url, exchangeBody) {
  const latencies = [];
  let errors = 0;
  let non2xx = 0;
  const until = performance.now() + seconds * 1000;
  const c0 = cpuMs(s.child?.pid);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: browsers }, async () => {
    while (performance.now() < until) {
      const start = performance.now();
      try {
        const b = new Browser(s.base, s.host);
        const code = await authorizeToCode(b, url(), CALLBACK, USER);
        const res = await postForm(`${s.base}${s.paths.token}`, Object.fromEntries(new URLSearchParams(exchangeBody(code))), { host: s.host });
        if (res.status !== 200 || !JSON.parse(res.text).id_token) non2xx++;
        else latencies.push(performance.now() - start);
      } catch {
        errors++;
      }
    }
  }));
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const cpuUs = ((cpuMs(s.child?.pid) - c0) * 1000) / Math.max(1, latencies.length + non2xx + errors);
  return { rps: latencies.length / ((performance.now() - t0) / 1000), cpuUs, p50: at(0.5), p99: at(0.99), non2xx, errors };
}

async function argonCost(argon2) {
  const opts = { algorithm: argon2.Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };
  const hash = await argon2.hash(USER.password, opts);
  const times = [];
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    await argon2.verify(hash, USER.password, opts);
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function pgClient(url) {
  const { Client } = require('pg');
  const c = new Client({ connectionString: url });
  await c.connect();
  return c;
}

async function createDatabase(baseUrl, name) {
  const c = await pgClient(baseUrl);
  try {
    await c.query(`CREATE DATABASE "${name}"`);
  } finally {
    await c.end();
  }
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function dropDatabase(url) {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = `/${new URL(process.env.DATABASE_URL).pathname.slice(1)}`;
  const c = await pgClient(u.toString());
  try {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

// ---- many instances ---------------------------------------------------------------------------

async function manyInstances({ name, dataDir, databaseUrl, count, port, kek, autocannon, log, duration, children }) {
  const env = { ...process.env, ADMIN_API_KEY: ADMIN_KEY, KEY_ENCRYPTION_KEY: kek, LOG_LEVEL: 'warn', SEED_DEMO: 'false', NODE_ENV: 'production', BENCH_INSTANCES: String(count), BENCH_SECRET_HASH: secretHash(CLIENT_SECRET) };
  delete env.NODE_OPTIONS;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else {
    delete env.DATABASE_URL;
    env.DATA_DIR = dataDir;
  }
  const seeder = spawnNode(['bench/seed-instances.mjs'], { cpus: '0', env });
  const code = await new Promise((r) => seeder.once('exit', r));
  if (code !== 0) throw new Error(`seeding failed: ${seeder.output}`);
  const seed = JSON.parse(seeder.output.trim().split('\n').pop());
  log(`  seeded in ${(seed.totalMs / 1000).toFixed(1)} s`);

  // Caches live longer than touching every instance takes, so that "warm" below means warm.
  const server = await startOurs({ name, port, dataDir, databaseUrl, kek, extra: { CACHE_TTL_SECONDS: String(MANY_CACHE_TTL) } });
  children.push(server);
  const out = { database: name, instances: count, seed, startupMs: server.startupMs, cacheTtl: MANY_CACHE_TTL };
  await sleep(500);
  out.rssStartMiB = rssMiB(server.child.pid);

  const hostOf = (i) => `i${String(i).padStart(5, '0')}.bench.localhost:${port}`;
  const token = (i) => postForm(`${server.base}/id/connect/token`, { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'read' }, { host: hostOf(i) });
  const discovery = (i) => request(`${server.base}/id/.well-known/openid-configuration`, { host: hostOf(i) });
  const timed = async (fn) => {
    const t0 = performance.now();
    const res = await fn();
    if (res.status !== 200) throw new Error(`${res.status} ${res.text.slice(0, 200)}`);
    return performance.now() - t0;
  };

  // cold then warm, on random instances nothing has touched yet
  const picks = new Set();
  while (picks.size < 25) picks.add(Math.floor(Math.random() * count));
  const lat = { discoveryCold: [], discoveryWarm: [], tokenCold: [], tokenWarm: [] };
  for (const i of picks) {
    lat.discoveryCold.push(await timed(() => discovery(i)));
    lat.discoveryWarm.push(await timed(() => discovery(i)));
    lat.tokenCold.push(await timed(() => token(i)));
    lat.tokenWarm.push(await timed(() => token(i)));
  }
  out.latency = Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, { p50: median(v), max: Math.max(...v) }]));

  // touch every instance once (discovery + token), then memory
  const t0 = performance.now();
  let next = 0;
  let failures = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let i = next++; i < count; i = next++) {
      const [d, t] = [await discovery(i), await token(i)];
      if (d.status !== 200 || t.status !== 200) failures++;
    }
  }));
  out.warmAll = { seconds: (performance.now() - t0) / 1000, failures };
  await sleep(1000);
  out.rssWarmMiB = rssMiB(server.child.pid);
  out.kibPerInstance = ((out.rssWarmMiB - out.rssStartMiB) * 1024) / count;

  // tokens for random instances, all warm
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'read' }).toString();
  const headersFor = () => ({ host: hostOf(Math.floor(Math.random() * count)), 'content-type': 'application/x-www-form-urlencoded' });
  const random = { ...server, host: hostOf(0) };
  const run = await runCannon(autocannon, random, {
    path: '/id/connect/token', method: 'POST', body, form: true, connections: 64, duration,
    setupRequest: (req) => ({ ...req, headers: headersFor(), body }),
  });
  out.randomTokens = run;
  await stop(server.child);
  children.splice(children.indexOf(server), 1);
  log(`  start-up ${out.startupMs.toFixed(0)} ms, ${out.kibPerInstance.toFixed(1)} KiB per instance, random-instance tokens ${run.rps.toFixed(0)}/s`);
  return out;
}

// ---- report -----------------------------------------------------------------------------------

function markdown(r) {
  const limit = r.signLimit.median;
  const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
  const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
  const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
  const names = [...new Set(r.comparisons.flatMap((c) => Object.keys(c.servers)))];
  const ours = names.filter((n) => n.startsWith('ours'));
  const lines = [];
  lines.push(`# Benchmark: our server and node-oidc-provider side by side`);
  lines.push('');
  lines.push(`${r.date.slice(0, 10)} · ${r.machine.cores} cores (${r.machine.cpu}) · Node ${r.machine.node} · ` +
    (r.pinned ? 'servers pinned to core 0 (our server WORKERS=1), load generator on core 1' : 'NOT pinned (no taskset or one core): figures are not comparable with pinned runs') +
    ` · ${r.duration} s per run, ${r.rounds} rounds alternating, medians · whole run ${f0(r.elapsedSec)} s`);
  lines.push('');
  lines.push(`**Signing limit** (crypto.sign, RS256, RSA-2048, core 0, median of ${r.signLimit.samples.length} samples through the run): ` +
    `**${f0(limit)} signatures/s** (${f0(r.signLimit.signUs)} µs each by the clock, ${f0(r.signLimit.signCpuUs)} µs of CPU; jose SignJWT ${f0(r.signLimit.joseUs)} µs). ` +
    `A request that signs k tokens cannot exceed limit / k: "of limit" is req/s × k / limit. ` +
    `"CPU µs/req" is the server process's CPU time (user + system, all threads, from /proc) per request, and "of limit, CPU" is k × ${f0(r.signLimit.signCpuUs)} µs / that: ` +
    `the share of the server's CPU that goes into signatures, which other load on the machine does not distort.`);
  lines.push('');
  lines.push(`Machine load average (1 min) at start / end: ${r.loadavg?.start ?? '?'} / ${r.loadavg?.end ?? '?'}.` +
    (Math.max(Number(r.loadavg?.start), Number(r.loadavg?.end)) > 1.5
      ? ' **Other work shared this machine during the run**: req/s and the wall-clock signing limit were measured at different moments under different contention, so the "of limit" column (req/s) can even exceed 1; read "of limit, CPU" and the ratios between servers of one round instead.'
      : ''));
  lines.push('');
  lines.push(`| scenario | server | req/s | of limit | CPU µs/req | of limit, CPU | p50 ms | p99 ms | non-2xx + errors | ours ÷ opr, req/s | ours ÷ opr, CPU |`);
  lines.push(`|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
  const cpuLimit = r.signLimit.signCpuUs;
  for (const c of r.comparisons) {
    const opr = c.servers['node-oidc-provider'];
    for (const [name, s] of Object.entries(c.servers)) {
      const ofLimit = c.signatures ? f2((s.rps * c.signatures) / limit) : '';
      const ofLimitCpu = c.signatures && s.cpuUs ? f2((cpuLimit * c.signatures) / s.cpuUs) : '';
      const ratio = name.startsWith('ours') && opr ? `**${f2(s.rps / opr.rps)}×**` : '';
      const ratioCpu = name.startsWith('ours') && opr && s.cpuUs && opr.cpuUs ? `${f2(opr.cpuUs / s.cpuUs)}×` : '';
      lines.push(`| ${c.title} | ${name} | ${f0(s.rps)} | ${ofLimit} | ${f0(s.cpuUs)} | ${ofLimitCpu} | ${f1(s.p50)} | ${f1(s.p99)} | ${s.non2xx + s.errors} | ${ratio} | ${ratioCpu} |`);
    }
  }
  lines.push('');
  if (r.argon2) {
    const si = r.comparisons.find((c) => c.id === 'signin');
    const siText = si ? Object.entries(si.servers).map(([n, s]) => `${n} ${f2(s.rps / r.argon2.ceiling)}`).join(', ') : '';
    lines.push(`**Sign-in cost**: one argon2id verification (${r.argon2.params}) takes ${f1(r.argon2.ms)} ms on the load generator's core, so one core verifies at most ${f0(r.argon2.ceiling)} passwords/s; a sign-in (two signatures besides) is bound by it. Sign-ins per second as a fraction of that ceiling: ${siText}.`);
    lines.push('');
  }
  lines.push('### Both cores');
  lines.push('');
  if (r.workers2?.error) lines.push(`WORKERS=2: not measured (${r.workers2.error}).`);
  else if (r.workers2) {
    lines.push(`Our server with WORKERS=2, not pinned (both cores), the load generator sharing core 1; node-oidc-provider is one process and has no equivalent. Limit for two cores: ${f0(2 * limit)}/s.`);
    lines.push('');
    lines.push(`| scenario | req/s | of 2-core limit | p50 ms | p99 ms | non-2xx + errors |`);
    lines.push(`|---|---:|---:|---:|---:|---:|`);
    const w = r.workers2;
    lines.push(`| POST token, client_credentials, 64 connections | ${f0(w.cc64.rps)} | ${f2(w.cc64.rps / (2 * limit))} | ${f1(w.cc64.p50)} | ${f1(w.cc64.p99)} | ${w.cc64.non2xx + w.cc64.errors} |`);
    lines.push(`| GET discovery, 16 connections | ${f0(w.discovery.rps)} | | ${f1(w.discovery.p50)} | ${f1(w.discovery.p99)} | ${w.discovery.non2xx + w.discovery.errors} |`);
  }
  lines.push('');
  for (const m of r.many ?? []) {
    lines.push(`### ${m.instances.toLocaleString('en')} instances (${m.database})`);
    lines.push('');
    lines.push(`Created in bulk SQL by bench/seed-instances.mjs (the admin API would generate one RSA key per instance): ${f1(m.seed.totalMs / 1000)} s. ` +
      `Each instance has its host, one active key (own kid and ciphertext; key material from a pool of ${m.seed.keyPool} RSA-2048 pairs), a system user and an application.`);
    lines.push('');
    lines.push(`| measure | value |`);
    lines.push(`|---|---:|`);
    lines.push(`| start-up to /healthz (existing database, ${m.instances} instances) | ${f0(m.startupMs)} ms |`);
    if (r.startupEmptyMs) lines.push(`| for comparison: start-up on a new, empty database (migrations included) | ${f0(r.startupEmptyMs)} ms |`);
    lines.push(`| resident memory after start-up | ${f0(m.rssStartMiB)} MiB |`);
    lines.push(`| resident memory after every instance served discovery + a token | ${f0(m.rssWarmMiB)} MiB |`);
    lines.push(`| resident memory per warm instance | ${f1(m.kibPerInstance)} KiB |`);
    lines.push(`| first discovery on a random instance (cold), p50 / max of 25 | ${f2(m.latency.discoveryCold.p50)} / ${f2(m.latency.discoveryCold.max)} ms |`);
    lines.push(`| next discovery (warm) | ${f2(m.latency.discoveryWarm.p50)} / ${f2(m.latency.discoveryWarm.max)} ms |`);
    lines.push(`| first token on that instance (cold: application, user, key decrypted and imported) | ${f2(m.latency.tokenCold.p50)} / ${f2(m.latency.tokenCold.max)} ms |`);
    lines.push(`| next token (warm) | ${f2(m.latency.tokenWarm.p50)} / ${f2(m.latency.tokenWarm.max)} ms |`);
    lines.push(`| touching all ${m.instances} instances once (discovery + token, 16 at a time) | ${f1(m.warmAll.seconds)} s, ${m.warmAll.failures} failures |`);
    lines.push(`| client_credentials on a random warm instance per request (CACHE_TTL_SECONDS=${m.cacheTtl}), 64 connections | ${f0(m.randomTokens.rps)} req/s (${f2(m.randomTokens.rps / limit)} of limit), p99 ${f1(m.randomTokens.p99)} ms, ${m.randomTokens.non2xx + m.randomTokens.errors} non-2xx + errors |`);
    lines.push('');
  }
  if (r.notes.length || true) {
    lines.push('### Notes');
    lines.push('');
    lines.push('- node-oidc-provider 9 with its in-memory adapter: codes, sessions, grants and refresh tokens stay in its process; ours writes them to the database (PGlite runs inside our server\'s process, on the same core).');
    lines.push('- Its configuration (bench/oidc-provider.mjs): one client with client_secret_post, RS256 JWT access tokens for one resource server (resource indicators), a static RS256 key, refresh-token rotation on every use, PKCE, a sign-in page checking argon2id with our parameters and granting without a consent page.');
    lines.push('- "bare node:http + jose" (bench/bare.mjs) is the floor of the rig: fixed JSON bytes, and a token signed with jose from a parsed form, no framework, no client lookup, no database. "bare node:http + crypto.sign" (the same file, BARE_SIGNER=crypto) signs as our TokenSigner does, one crypto.sign on the thread pool around a hand-built JWS: what node:http costs around one signature and nothing else, the ceiling of any token endpoint in Node on this machine.');
    lines.push('- Other work on the machine during the run shows up as noise; compare ratios within one run rather than absolute numbers across runs.');
    for (const n of r.notes) lines.push(`- ${n}`);
    lines.push('');
  }
  return lines.join('\n');
}

void HOST;
