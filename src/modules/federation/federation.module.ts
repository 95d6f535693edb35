import { Module } from '@nestjs/common';
import { AuthorizeModule } from '../authorize/authorize.module';
import { SessionModule } from '../session/session.module';
import { SessionStoreModule } from '../session/session-store.module';
import { UsersModule } from '../users/users.module';
import { ExternalLoginController } from './external-login.controller';
import { FederationService } from './federation.service';

/** Sign-in through upstream OpenID providers: ERP.net ID and any other configured per instance. */
@Module({
  imports: [AuthorizeModule, SessionModule, SessionStoreModule, UsersModule],
  controllers: [ExternalLoginController],
  providers: [FederationService],
})
export class FederationModule {}
