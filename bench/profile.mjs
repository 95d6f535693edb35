#!/usr/bin/env node
// Profiles our server under load: starts it (WORKERS=1, core 0) with `node --cpu-prof`, drives one
// scenario from core 1 for a few seconds, stops it, and prints where the CPU time went (self time
// by package / file and the heaviest functions). Usage:
//   node bench/profile.mjs [cc|discovery|jwks|code] [seconds]   (code: ~1000 exchanges per second asked)
// With DATABASE_URL the server runs on that PostgreSQL database (give it an empty one of its own).
// The raw profile stays in bench/results/profile-<scenario>.cpuprofile (open it in Chrome DevTools).
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Browser, authorizeToCode } from './lib/http.mjs';
import { CALLBACK, USER, CLIENT_ID, CLIENT_SECRET, ROOT, hasTaskset, hotRoute, ourEnv, prepareOurs, spawnNode, stop, waitReady, HOST } from './lib/servers.mjs';

if (hasTaskset && !process.env.BENCH_PINNED && cpus().length >= 2) {
  const child = spawn('taskset', ['-c', '1', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await main();
}

async function main() {
  const require = createRequire(import.meta.url);
  const autocannon = require('autocannon');
  const scenario = process.argv[2] ?? 'cc';
  const seconds = Number(process.argv[3] ?? 8);
  const work = mkdtempSync(join(tmpdir(), 'iis-prof-'));
  const profFile = join(work, 'server.cpuprofile');
  const port = 4900 + Math.floor(Math.random() * 90);
  const env = { ...ourEnv({ port, dataDir: join(work, 'data'), databaseUrl: process.env.DATABASE_URL, kek: 'b'.repeat(64) }), BENCH_PROFILE_FILE: profFile };
  const t0 = performance.now();
  const child = spawnNode(['--require', join(ROOT, 'bench/lib/cpu-profile.cjs'), 'dist/src/main.js'], { cpus: '0', env });
  try {
    await waitReady(`http://127.0.0.1:${port}/healthz`, child, t0);
    const server = { kind: 'ours', port, base: `http://127.0.0.1:${port}`, host: `${HOST}:${port}` };
    await prepareOurs(server);
    let opts = hotRoute(server, scenario);
    let codes;
    if (scenario === 'code') {
      // codes through single sign-on first (not profiled), then only their exchange
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const url = () => `/id/connect/authorize?${new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid read', nonce: randomBytes(4).toString('hex'), code_challenge: challenge, code_challenge_method: 'S256' })}`;
      const browser = new Browser(server.base, server.host);
      await authorizeToCode(browser, url(), CALLBACK, USER);
      codes = [];
      const n = seconds * 1000 + 1000;
      let next = 0;
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (next++ < n) codes.push(await authorizeToCode(browser, url(), CALLBACK));
      }));
      const headers = { host: server.host, 'content-type': 'application/x-www-form-urlencoded' };
      const exchange = (amount) => ({
        url: `${server.base}/id/connect/token`, amount,
        requests: [{ method: 'POST', headers, setupRequest: (req) => ({ ...req, body: new URLSearchParams({ grant_type: 'authorization_code', code: codes.pop() ?? 'none', redirect_uri: CALLBACK, code_verifier: verifier, client_id: CLIENT_ID, client_secret: CLIENT_SECRET }).toString() }) }],
      });
      opts = { warm: exchange(1000), run: exchange(codes.length - 1000) };
    } else if (opts) opts = { warm: { ...opts, duration: 2 }, run: { ...opts, duration: seconds } };
    if (!opts) throw new Error(`unknown scenario ${scenario}`);
    await autocannon({ ...opts.warm, connections: 16 }); // warm-up, not profiled
    child.kill('SIGUSR1'); // start sampling
    const r = await autocannon({ ...opts.run, connections: 16 });
    const written = new Promise((resolve) => child.stdout.on('data', (c) => String(c).includes('profile written') && resolve()));
    child.kill('SIGUSR2');
    await written;
    console.log(`${scenario}: ${(r.requests.total / r.duration).toFixed(0)} req/s, non-2xx ${r.non2xx}, errors ${r.errors}`);
  } finally {
    await stop(child);
    if (process.env.BENCH_DEBUG) console.log(child.output.slice(-3000));
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const out = join(ROOT, `bench/results/profile-${scenario}.cpuprofile`);
  copyFileSync(profFile, out);
  rmSync(work, { recursive: true, force: true });
  summarize(JSON.parse(readFileSync(out, 'utf8')));
}

function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // samples + timeDeltas give time per sample; attribute to the leaf node.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const group = new Map();
  const fns = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const url = n.callFrame.url || '';
    const name = n.callFrame.functionName || '(anonymous)';
    let where;
    if (!url) where = name.startsWith('(') ? name : '(native)';
    else if (url.includes('/node_modules/')) where = url.split('/node_modules/').pop().split('/').slice(0, url.includes('/node_modules/@') ? 2 : 1).join('/');
    else if (url.startsWith('node:')) where = 'node:' + url.slice(5).split('/')[0];
    else where = url.replace(/^file:\/\//, '').replace(ROOT, '');
    group.set(where, (group.get(where) ?? 0) + us);
    const key = `${name} ${where}:${n.callFrame.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us) => ((100 * us) / total).toFixed(1).padStart(5) + '%';
  // Self time in buckets. On one core the RSA work on the thread pool shows up as the main thread
  // preempted inside crypto's `run`: it is counted as the signature.
  const buckets = new Map();
  for (const [id, us] of self) {
    const f = byId.get(id).callFrame;
    const url = f.url || '';
    const name = f.functionName;
    let b;
    if (name === '(garbage collector)') b = 'garbage collection';
    else if (name === '(idle)') b = 'idle';
    else if (name === 'run' && !url) b = 'RS256 signature (crypto, thread pool)';
    else if (url.startsWith('wasm://') || url.includes('@electric-sql')) b = 'embedded database (PGlite)';
    else if (/\/node_modules\/(pino|pino-http|@pinojs|nestjs-pino|sonic-boom)\//.test(url)) b = 'logging (pino-http, redaction)';
    else if (/\/node_modules\/(@nestjs|rxjs|reflect-metadata|class-transformer|class-validator)\//.test(url)) b = 'Nest (router, interceptors, rxjs)';
    else if (/\/node_modules\/(fastify|find-my-way|@fastify|light-my-request|avvio|fast-querystring|fast-json-stringify|helmet|toad-cache)/.test(url)) b = 'Fastify and its plugins (middie, cookie, helmet, rate-limit)';
    else if (/\/node_modules\/prom-client\//.test(url)) b = 'metrics (prom-client)';
    else if (/\/node_modules\/(typeorm|pg|pg-protocol|pg-pool)\//.test(url)) b = 'database driver (TypeORM, pg)';
    else if (/\/node_modules\/jose\//.test(url)) b = 'jose';
    else if (url.includes('/dist/')) b = 'our code (dist/src, libs)';
    else if (url.startsWith('node:') || (!url && name !== '(program)')) b = 'Node.js (HTTP, net, streams, async_hooks, native)';
    else b = 'other';
    buckets.set(b, (buckets.get(b) ?? 0) + us);
  }
  console.log(`\nwhere the time goes (self time, ${(total / 1e6).toFixed(1)} s sampled):`);
  for (const [k, v] of [...buckets].sort((a, b) => b[1] - a[1])) console.log(`${pct(v)}  ${k}`);
  console.log(`\nself time by package / file (${(total / 1e6).toFixed(1)} s sampled):`);
  for (const [k, v] of [...group].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${pct(v)}  ${k}`);
  console.log('\nheaviest functions (self):');
  for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${pct(v)}  ${k}`);
}
