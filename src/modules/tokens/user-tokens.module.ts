import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { AuthorizationCodesRepository } from './authorization-codes.repository';
import { DeviceAuthorizationsRepository } from './device-authorizations.repository';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { RevokedAccessTokensRepository } from './revoked-access-tokens.repository';
import { UserTokensService } from './user-tokens.service';

/** Tokens issued for signed-in users, and the stores of codes and refresh tokens behind them. */
@Module({
  imports: [KeysModule],
  providers: [UserTokensService, AuthorizationCodesRepository, RefreshTokensRepository, RevokedAccessTokensRepository, DeviceAuthorizationsRepository],
  exports: [UserTokensService, AuthorizationCodesRepository, RefreshTokensRepository, RevokedAccessTokensRepository, DeviceAuthorizationsRepository],
})
export class UserTokensModule {}
