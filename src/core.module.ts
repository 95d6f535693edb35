import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { ChangeFeed } from './common/cache/change-feed.service';
import { Clock } from './common/crypto/clock';
import { ViewRenderer } from './common/http/views';
import { DATABASE_ENDPOINT } from './database/database.tokens';
import { dataSourceOptions, type DatabaseEndpoint } from './database/data-source-options';
import { ENTITIES } from './database/entities';
import { runMigrations } from './database/migrate';
import { AppDataSource, Transactions } from './database/transactions';

/** Configuration, the database (migrated before anything uses it), the clock and the change feed. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, endpoint: DatabaseEndpoint): DynamicModule {
    const repositories = TypeOrmModule.forFeature(ENTITIES);
    return {
      module: CoreModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(endpoint),
          dataSourceFactory: async (options?: DataSourceOptions) => {
            const dataSource = await new AppDataSource(options!).initialize();
            await runMigrations(dataSource, endpoint);
            return dataSource;
          },
        }),
        repositories,
      ],
      providers: [{ provide: APP_CONFIG, useValue: config }, { provide: DATABASE_ENDPOINT, useValue: endpoint }, Clock, ChangeFeed, ViewRenderer, Transactions],
      exports: [APP_CONFIG, DATABASE_ENDPOINT, Clock, ChangeFeed, ViewRenderer, Transactions, repositories],
    };
  }
}
