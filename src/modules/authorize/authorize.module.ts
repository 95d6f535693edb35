import { Module } from '@nestjs/common';
import { SessionStoreModule } from '../session/session-store.module';
import { UserTokensModule } from '../tokens/user-tokens.module';
import { TrustedApplicationsModule } from '../trusted-applications/trusted-applications.module';
import { UsersModule } from '../users/users.module';
import { AuthorizeController } from './authorize.controller';
import { AuthorizeService } from './authorize.service';
import { PushedRequestsRepository } from './pushed-requests.repository';

@Module({
  imports: [SessionStoreModule, UserTokensModule, TrustedApplicationsModule, UsersModule],
  controllers: [AuthorizeController],
  providers: [AuthorizeService, PushedRequestsRepository],
  exports: [AuthorizeService, PushedRequestsRepository],
})
export class AuthorizeModule {}
