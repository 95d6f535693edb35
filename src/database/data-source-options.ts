import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './snake-naming.strategy';

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
      connectionTimeoutMillis: 5000,
      // A statement that hangs (database gone, lock wait) fails instead of holding the request.
      statement_timeout: 15000,
      query_timeout: 20000,
    },
  };
}
