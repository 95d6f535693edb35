import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { AppConfig } from './config/app-config';
import { CoreModule } from './core.module';
import type { DatabaseEndpoint } from './database/data-source-options';
import { OAuthExceptionFilter } from './common/oauth/oauth-exception.filter';
import { DemoModule } from './modules/demo/demo.module';
import { DiscoveryModule } from './modules/discovery/discovery.module';
import { HealthController } from './modules/health/health.controller';
import { InstancesModule } from './modules/instances/instances.module';
import { TokenModule } from './modules/token/token.module';
import { TrustedApplicationsModule } from './modules/trusted-applications/trusted-applications.module';
import { UsersModule } from './modules/users/users.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, endpoint: DatabaseEndpoint): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, endpoint),
        InstancesModule,
        UsersModule,
        TrustedApplicationsModule,
        TokenModule,
        DiscoveryModule,
        DemoModule,
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_FILTER, useClass: OAuthExceptionFilter }],
    };
  }
}
