import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/** How long a request waits for a database connection (a new one, or a free one from the pool). */
export const CONNECT_TIMEOUT_MS = 5000;
const EMBEDDED_QUEUE_TIMEOUT_MS = 15_000;

export interface DatabaseEndpoint {
  url: string;
  /** PGlite serves one query at a time: its pool holds a single connection. */
  embedded: boolean;
  poolSize: number;
}

export function dataSourceOptions(endpoint: DatabaseEndpoint): DataSourceOptions {
  return {
    type: 'postgres',
    url: endpoint.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    logging: false,
    extra: {
      max: endpoint.embedded ? 1 : endpoint.poolSize,
      // A database that is down refuses at once; one that does not answer (host gone, network
      // partition), or a pool with no free connection, costs a request at most this long before
      // it gets 503. The embedded database's single connection is a queue: waiting is normal there.
      connectionTimeoutMillis: endpoint.embedded ? EMBEDDED_QUEUE_TIMEOUT_MS : CONNECT_TIMEOUT_MS,
      // The embedded database's one connection is kept while idle (pg-pool closes an idle one after
      // 10 s by default): PGlite is one session, which keeps the statements a closed connection
      // prepared (database/prepared-statements.ts), so reconnecting after every pause would pile them up.
      ...(endpoint.embedded ? { idleTimeoutMillis: 0 } : {}),
      // TCP keepalive notices a peer that vanished without closing its connections.
      keepAlive: true,
      // A statement that hangs (database gone, lock wait) fails instead of holding the request.
      statement_timeout: 15000,
      query_timeout: 20000,
    },
  };
}
