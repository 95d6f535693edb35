import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of its own for one test file: initdb into a temp dir, a random port on
 * 127.0.0.1, trust authentication, no fsync. The test may stop and start it at will (the machine's
 * shared PostgreSQL is never touched) and removes it at the end. As root, the binaries run as the
 * `postgres` user, since initdb refuses root.
 */
export interface ThrowawayPostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:{port}/{database} */
  url(database?: string): string;
  createDatabase(name?: string): Promise<string>;
  /** pg_ctl stop: `fast` disconnects every session and shuts down cleanly; `immediate` is a crash (WAL recovery on start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster and deletes its directory. */
  remove(): Promise<void>;
}

/** The bin directory of the newest PostgreSQL on this machine that has initdb and pg_ctl, if any. */
export function postgresBinaries(): string | undefined {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  candidates.push('/usr/local/pgsql/bin', '/usr/local/bin', '/usr/bin');
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBinaries();
  if (!bin) throw new Error('no PostgreSQL binaries (initdb, pg_ctl) on this machine');
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'iis-pg-'));
  const data = join(dir, 'data');
  if (asRoot) {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]).then((r) => r.map((x) => Number(x.stdout.trim())));
    chownSync(dir, uid, gid);
  }
  const pg = (tool: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args));

  await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c full_page_writes=off', '-c max_connections=200'].join(' ');
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start']);
  };
  let running = false;
  await start();
  running = true;

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async createDatabase(name = `iis_${randomBytes(4).toString('hex')}`) {
      const client = new Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stop(mode = 'fast') {
      await pg('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async remove() {
      if (running) await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A database of its own for a test file that needs an empty one (two nodes seeding together): on
 * the PostgreSQL of DATABASE_URL when it is set, else on a throwaway cluster. Undefined when there
 * is neither (a machine without PostgreSQL): the caller skips.
 */
export async function provisionDatabase(): Promise<{ url: string; dispose(): Promise<void> } | undefined> {
  const shared = process.env.DATABASE_URL;
  if (shared) {
    const name = `iis_t_${randomBytes(5).toString('hex')}`;
    const admin = new Client({ connectionString: shared });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(shared);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async dispose() {
        const c = new Client({ connectionString: shared });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
        await c.end();
      },
    };
  }
  if (!postgresBinaries()) return undefined;
  const cluster = await startThrowawayPostgres();
  return { url: await cluster.createDatabase(), dispose: () => cluster.remove() };
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
