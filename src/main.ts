import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import { WORKER_ENV, type WorkerMessage } from './cluster/ipc';
import { runPrimary } from './cluster/primary';
import { serve } from './cluster/serve';
import { InvalidConfiguration, loadConfig } from './config/app-config';

/**
 * WORKERS=1: one process serves. WORKERS>1: this process becomes the cluster primary
 * (src/cluster/primary.ts) and forks the workers, which run the branch below.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (cluster.isWorker) {
    const role = process.env[WORKER_ENV.role];
    await serve(config, { setup: role === 'setup', embeddedUrl: process.env[WORKER_ENV.embeddedUrl] });
    process.send!({ iis: 'ready' } satisfies WorkerMessage);
    return;
  }
  if (config.workers > 1) return runPrimary(config);
  await serve(config, { setup: true });
}

main().catch((e) => {
  if (e instanceof InvalidConfiguration) console.error(e.message);
  else new Logger('Startup').error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});

