/** Messages between the cluster primary and its workers (src/main.ts, src/cluster/primary.ts). */
export type WorkerMessage =
  /** The worker listens; the first one has also migrated, created the admin key and seeded. */
  | { iis: 'ready' }
  /** A cache change to relay to every other worker (embedded database: no LISTEN/NOTIFY). */
  | { iis: 'change'; payload: string };

export type PrimaryMessage = { iis: 'change'; payload: string };

export function isClusterMessage<T extends WorkerMessage | PrimaryMessage>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as { iis?: unknown }).iis === 'string';
}

/** Environment the primary hands to its workers. */
export const WORKER_ENV = {
  /** 'setup' for the first worker (migrations, admin key, demo seed, startup banner), else 'serve'. */
  role: 'IIS_WORKER_ROLE',
  /** The primary's embedded database, when DATABASE_URL is unset. */
  embeddedUrl: 'IIS_EMBEDDED_DATABASE_URL',
} as const;
