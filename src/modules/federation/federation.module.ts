import { Module } from '@nestjs/common';
import { AuthorizeModule } from '../authorize/authorize.module';
import { SessionModule } from '../session/session.module';
import { SessionStoreModule } from '../session/session-store.module';
import { UsersModule } from '../users/users.module';
import { ExternalLoginController } from './external-login.controller';
import { FederationCoreModule } from './federation-core.module';

/** Sign-in through upstream OpenID providers: ERP.net ID and any other configured per instance. */
@Module({
  imports: [AuthorizeModule, SessionModule, SessionStoreModule, UsersModule, FederationCoreModule],
  controllers: [ExternalLoginController],
})
export class FederationModule {}
