import { Module } from '@nestjs/common';
import { AuthorizeModule } from '../authorize/authorize.module';
import { FederationCoreModule } from '../federation/federation-core.module';
import { KeysModule } from '../keys/keys.module';
import { SignInPolicyModule } from '../sign-in-policy/sign-in-policy.module';
import { TrustedApplicationsModule } from '../trusted-applications/trusted-applications.module';
import { UsersModule } from '../users/users.module';
import { BackChannelLogout } from './back-channel-logout';
import { EndSessionController } from './end-session.controller';
import { EndSessionService } from './end-session.service';
import { LoginController } from './login.controller';
import { SessionStoreModule } from './session-store.module';

/** The person-facing pages: sign-in and sign-out. */
@Module({
  imports: [AuthorizeModule, SessionStoreModule, UsersModule, TrustedApplicationsModule, KeysModule, SignInPolicyModule, FederationCoreModule],
  controllers: [LoginController, EndSessionController],
  providers: [EndSessionService, BackChannelLogout],
  exports: [EndSessionService],
})
export class SessionModule {}
