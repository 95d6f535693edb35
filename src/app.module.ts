import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule, type Params as LoggerParams } from 'nestjs-pino';
import type { AppConfig } from './config/app-config';
import { CoreModule } from './core.module';
import type { DatabaseEndpoint } from './database/data-source-options';
import { OAuthExceptionFilter } from './common/oauth/oauth-exception.filter';
import { AuthorizeModule } from './modules/authorize/authorize.module';
import { AccountsModule } from './modules/accounts/accounts.module';
import { AuditModule } from './modules/audit/audit.module';
import { DemoModule } from './modules/demo/demo.module';
import { DiscoveryModule } from './modules/discovery/discovery.module';
import { FederationModule } from './modules/federation/federation.module';
import { HealthController } from './modules/health/health.controller';
import { MailModule } from './modules/mail/mail.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { InstancesModule } from './modules/instances/instances.module';
import { IntrospectionModule } from './modules/introspection/introspection.module';
import { ReferenceTokensModule } from './modules/reference-tokens/reference-tokens.module';
import { RevocationModule } from './modules/revocation/revocation.module';
import { SessionModule } from './modules/session/session.module';
import { TokenModule } from './modules/token/token.module';
import { TrustedApplicationsModule } from './modules/trusted-applications/trusted-applications.module';
import { UserinfoModule } from './modules/userinfo/userinfo.module';
import { UsersModule } from './modules/users/users.module';
import { CorsModule } from './modules/cors/cors.module';
import { HousekeepingModule } from './modules/housekeeping/housekeeping.module';
import { PushedAuthorizationModule } from './modules/par/pushed-authorization.module';
import { DeviceModule } from './modules/device/device.module';
import { AllowedMethods } from './common/http/allowed-methods';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, endpoint: DatabaseEndpoint, logging: LoggerParams = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, endpoint),
        LoggerModule.forRoot(logging),
        MetricsModule,
        AuditModule,
        InstancesModule,
        UsersModule,
        TrustedApplicationsModule,
        TokenModule,
        AuthorizeModule,
        SessionModule,
        UserinfoModule,
        AccountsModule,
        FederationModule,
        MailModule,
        ReferenceTokensModule,
        IntrospectionModule,
        RevocationModule,
        DiscoveryModule,
        CorsModule,
        HousekeepingModule,
        PushedAuthorizationModule,
        DeviceModule,
        DemoModule,
      ],
      controllers: [HealthController],
      providers: [AllowedMethods, { provide: APP_FILTER, useClass: OAuthExceptionFilter }],
    };
  }
}
