import { Module } from '@nestjs/common';
import { SessionStoreModule } from '../session/session-store.module';
import { TokenModule } from '../token/token.module';
import { UserTokensModule } from '../tokens/user-tokens.module';
import { TrustedApplicationsModule } from '../trusted-applications/trusted-applications.module';
import { UsersModule } from '../users/users.module';
import { DeviceAuthorizationController } from './device-authorization.controller';
import { DeviceAuthorizationService } from './device-authorization.service';
import { DeviceVerificationController } from './device-verification.controller';

/** The device authorization grant (RFC 8628): its endpoint and verification page; the token grant is in token/grants. */
@Module({
  imports: [TokenModule, UserTokensModule, TrustedApplicationsModule, SessionStoreModule, UsersModule],
  controllers: [DeviceAuthorizationController, DeviceVerificationController],
  providers: [DeviceAuthorizationService],
})
export class DeviceModule {}
