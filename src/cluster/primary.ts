import cluster, { type Worker } from 'node:cluster';
import type { Logger as Pino } from 'pino';
import { createLogging } from '../common/logging/logging';
import type { AppConfig } from '../config/app-config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../database/embedded-postgres';
import { serveClusterMetrics } from '../modules/metrics/cluster-metrics';
import { isClusterMessage, WORKER_ENV, type PrimaryMessage, type WorkerMessage } from './ipc';
import { SHUTDOWN_GRACE_MS } from './serve';

/** Workers that have not exited this long after SIGTERM are killed. */
const STOP_LIMIT_MS = SHUTDOWN_GRACE_MS + 10_000;
/** A worker that dies sooner than this after starting is respawned after a growing delay. */
const CRASH_WINDOW_MS = 10_000;
const RESPAWN_MAX_DELAY_MS = 30_000;

type Role = 'setup' | 'serve';

/**
 * The cluster primary (WORKERS > 1). It serves no requests: it forks the workers, which share
 * PORT, and keeps WORKERS of them alive.
 * - The first worker starts alone and does what must happen once: migrations, the generated
 *   admin key, the demo seed, the startup banner. The others start when it is ready.
 * - Without DATABASE_URL, the primary owns the embedded PGlite and serves it over the wire
 *   protocol; every worker connects to it with a pool of one connection. Cache changes, which
 *   PostgreSQL would carry with NOTIFY, travel through the primary (IPC).
 * - A worker that dies is replaced. On SIGTERM / SIGINT every worker drains and exits, then the
 *   embedded database closes and the primary exits 0.
 * - It answers the workers' requests for the cluster's summed metrics (cluster-metrics.ts).
 */
export async function runPrimary(config: AppConfig): Promise<void> {
  const log = createLogging(config).root.child({ context: 'Cluster' });
  // GET /metrics in any worker answers with the sum over all workers.
  serveClusterMetrics();
  const env: Record<string, string> = {};
  if (config.keyEncryptionKeyGenerated) {
    // One key for every worker, also with DATA_DIR=:memory: where nothing is written to disk.
    env.KEY_ENCRYPTION_KEY = config.keyEncryptionKey.toString('hex');
    log.warn(`KEY_ENCRYPTION_KEY is not set: private signing keys are encrypted with a key generated into ${config.dataDir}. Set it in production.`);
  }
  let embedded: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir);
    env[WORKER_ENV.embeddedUrl] = embedded.url;
  }
  const primary = new Primary(config.workers, env, log, embedded);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void primary.stop(signal));
  await primary.start();
}

class Primary {
  private readonly workers = new Map<number, { worker: Worker; startedAt: number; ready: boolean }>();
  private stopping = false;
  private respawnDelay = 1_000;

  constructor(
    private readonly size: number,
    private readonly env: Record<string, string>,
    private readonly log: Pino,
    private readonly embedded: EmbeddedPostgres | undefined,
  ) {}

  async start(): Promise<void> {
    try {
      await this.fork('setup');
      await Promise.all(Array.from({ length: this.size - 1 }, () => this.fork('serve')));
    } catch (e) {
      if (this.stopping) return;
      this.log.error(`startup failed: ${(e as Error).message}`);
      await this.stop('startup failure', 1);
      return;
    }
    this.log.info(`${this.size} workers serving${this.embedded ? ' on the embedded database' : ''}`);
    cluster.on('exit', (worker, code, signal) => this.exited(worker, code, signal));
  }

  /** Forks a worker; resolves when it listens, rejects if it exits first. */
  private fork(role: Role): Promise<Worker> {
    const worker = cluster.fork({ ...this.env, [WORKER_ENV.role]: role });
    const entry = { worker, startedAt: Date.now(), ready: false };
    this.workers.set(worker.id, entry);
    worker.on('message', (message: unknown) => {
      if (isClusterMessage<WorkerMessage>(message) && message.iis === 'change') this.relay(worker, message.payload);
    });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null) => reject(new Error(`worker ${worker.process.pid} exited with ${signal ?? code} before it was ready`));
      worker.once('exit', onExit);
      worker.on('message', (message: unknown) => {
        if (isClusterMessage<WorkerMessage>(message) && message.iis === 'ready') {
          entry.ready = true;
          worker.off('exit', onExit);
          resolve(worker);
        }
      });
    });
  }

  private relay(from: Worker, payload: string): void {
    for (const { worker } of this.workers.values()) {
      if (worker === from || !worker.isConnected()) continue;
      worker.send({ iis: 'change', payload } satisfies PrimaryMessage, (e: Error | null) => {
        if (e) this.log.warn(`could not relay a change to worker ${worker.process.pid}: ${e.message}`);
      });
    }
  }

  private exited(worker: Worker, code: number | null, signal: string | null): void {
    const entry = this.workers.get(worker.id);
    this.workers.delete(worker.id);
    if (this.stopping || !entry) return;
    const crashedEarly = Date.now() - entry.startedAt < CRASH_WINDOW_MS;
    const delay = crashedEarly ? this.respawnDelay : 0;
    this.respawnDelay = crashedEarly ? Math.min(RESPAWN_MAX_DELAY_MS, this.respawnDelay * 2) : 1_000;
    this.log.error(`worker ${worker.process.pid} died (${signal ?? `exit code ${code}`}); starting another${delay ? ` in ${delay / 1000} s` : ''}`);
    setTimeout(() => {
      if (this.stopping) return;
      this.fork('serve').catch((e: Error) => this.log.error(e.message));
    }, delay);
  }

  async stop(reason: string, exitCode = 0): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info(`${reason}: stopping ${this.workers.size} workers`);
    const entries = [...this.workers.values()].filter(({ worker }) => !worker.isDead());
    const running = entries.map(({ worker }) => worker);
    // A worker still starting may die of the signal before it handles it: nothing was in flight.
    const exits = entries.map(
      ({ worker, ready }) =>
        new Promise<number>((resolve) => {
          worker.once('exit', (code) => resolve(ready ? (code ?? 1) : 0));
          worker.process.kill('SIGTERM');
        }),
    );
    const killer = setTimeout(() => {
      this.log.error(`workers still running after ${STOP_LIMIT_MS / 1000} s: killing them`);
      for (const worker of running) if (!worker.isDead()) worker.process.kill('SIGKILL');
    }, STOP_LIMIT_MS);
    const codes = await Promise.all(exits);
    clearTimeout(killer);
    await this.embedded?.stop().catch((e: Error) => this.log.error(`closing the embedded database failed: ${e.message}`));
    const failed = codes.some((c) => c !== 0);
    this.log.info(failed ? 'stopped; some workers did not exit cleanly' : 'stopped');
    process.exit(exitCode || (failed ? 1 : 0));
  }
}
