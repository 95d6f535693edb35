import cluster from 'node:cluster';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { createServer, printStartup, type Server } from '../server';

/** How long requests in flight may run on after SIGTERM before their connections are cut. */
export const SHUTDOWN_GRACE_MS = 10_000;
/** Closing the pools and the embedded database after that gets this much longer. */
const SHUTDOWN_HARD_LIMIT_MS = SHUTDOWN_GRACE_MS + 5_000;

export interface ServeOptions {
  /** The embedded database the cluster primary serves (DATABASE_URL unset, WORKERS > 1). */
  embeddedUrl?: string;
  /** The one process that may create the demo and prints the startup banner. */
  setup: boolean;
}

/**
 * Builds the server and listens on PORT. On SIGTERM or SIGINT (and in a worker, when the primary
 * is gone) it closes gracefully, see `close`; a signal during startup closes it once it is built.
 */
export async function serve(config: AppConfig, options: ServeOptions): Promise<Server> {
  let server: Server | undefined;
  let requested: string | undefined;
  const onSignal = (reason: string) => {
    if (server) void close(server, reason);
    else requested ??= reason;
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // A worker whose primary died has no one to answer to: it drains and leaves too.
  if (cluster.isWorker) process.on('disconnect', () => onSignal('cluster primary gone'));

  server = await createServer({ ...config, seedDemo: config.seedDemo && options.setup }, { embeddedUrl: options.embeddedUrl });
  if (requested) await close(server, requested);
  await server.app.listen(config.port, '0.0.0.0');
  if (options.setup) printStartup(server, config, `http://localhost:${config.port}`);
  return server;
}

let closing = false;

/**
 * Stops accepting connections, lets the requests in flight finish (at most SHUTDOWN_GRACE_MS,
 * then their connections are cut), closes the HTTP server, the pool, the LISTEN connection and
 * the embedded database, then exits 0. A second signal changes nothing.
 */
async function close(server: Server, reason: string): Promise<never> {
  const log = new Logger('Shutdown');
  if (closing) return new Promise<never>(() => undefined);
  closing = true;
  log.log(`${reason}: accepting no new connections, finishing the requests in flight`);
  const cut = setTimeout(() => {
    log.warn(`requests still running after ${SHUTDOWN_GRACE_MS / 1000} s: closing their connections`);
    server.app.getHttpServer().closeAllConnections?.();
  }, SHUTDOWN_GRACE_MS);
  const hard = setTimeout(() => {
    log.error('shutdown did not complete in time; exiting');
    process.exit(1);
  }, SHUTDOWN_HARD_LIMIT_MS);
  // server.close() ends the connections idle at that moment; a keep-alive connection whose request
  // finishes later would stay open until the cut. Each is closed as soon as it goes idle.
  const http = server.app.getHttpServer();
  const idle = setInterval(() => http.closeIdleConnections?.(), 50);
  try {
    await server.close();
  } catch (e) {
    log.error(`shutdown failed: ${(e as Error).message}`);
    process.exit(1);
  }
  clearInterval(idle);
  clearTimeout(cut);
  clearTimeout(hard);
  log.log('closed');
  process.exit(0);
}
