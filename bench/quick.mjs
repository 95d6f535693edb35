#!/usr/bin/env node
// A quick measure while changing code: our server (built) pinned to core 0, one scenario driven from
// core 1, the server's CPU per request from /proc. Usage: node bench/quick.mjs [cc|discovery|jwks] [s] [conns]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasTaskset, hotRoute, prepareOurs, startOurs, stop } from './lib/servers.mjs';

if (hasTaskset && !process.env.BENCH_PINNED && cpus().length >= 2) {
  const child = spawn('taskset', ['-c', '1', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  const autocannon = createRequire(import.meta.url)('autocannon');
  const [scenario = 'cc', seconds = '5', conns = '64'] = process.argv.slice(2);
  const work = mkdtempSync(join(tmpdir(), 'iis-quick-'));
  const server = await startOurs({ name: 'ours', port: 4800 + Math.floor(Math.random() * 90), dataDir: join(work, 'data'), databaseUrl: process.env.DATABASE_URL, kek: 'c'.repeat(64) });
  try {
    await prepareOurs(server);
    const opts = hotRoute(server, scenario);
    await autocannon({ ...opts, connections: Number(conns), duration: 1 });
    const ticks = () => readFileSync(`/proc/${server.child.pid}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 13).reduce((a, b) => a + Number(b), 0);
    for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
      const t0 = ticks();
      const r = await autocannon({ ...opts, connections: Number(conns), duration: Number(seconds) });
      const cpuUs = ((ticks() - t0) * 10_000) / r.requests.total;
      console.log(`${scenario}: ${Math.round(r.requests.average)} req/s, ${cpuUs.toFixed(0)} CPU µs/req, non-2xx ${r.non2xx + r.errors}`);
    }
  } finally {
    await stop(server.child);
    rmSync(work, { recursive: true, force: true });
  }
}
