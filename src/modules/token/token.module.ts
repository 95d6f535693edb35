import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { TrustedApplicationsModule } from '../trusted-applications/trusted-applications.module';
import { UserTokensModule } from '../tokens/user-tokens.module';
import { UsersModule } from '../users/users.module';
import { ClientAuthenticator } from './client-auth';
import { GRANTS_PROVIDERS } from './grants';
import { TokenController } from './token.controller';
import { TokenService } from './token.service';

@Module({
  imports: [KeysModule, TrustedApplicationsModule, UsersModule, UserTokensModule],
  controllers: [TokenController],
  providers: [ClientAuthenticator, ...GRANTS_PROVIDERS, TokenService],
  exports: [TokenService, ClientAuthenticator],
})
export class TokenModule {}
