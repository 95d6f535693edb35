import { Module } from '@nestjs/common';
import { TokenModule } from '../token/token.module';
import { LOCAL_STORES, REVOCABLE_TOKEN_STORES_PROVIDER, STORE_MODULES } from './revocable-token-stores';
import { RevocationController } from './revocation.controller';
import { RevocationService } from './revocation.service';

/** POST /id/connect/revocation over every registered RevocableTokenStore. */
@Module({
  imports: [TokenModule, ...STORE_MODULES],
  controllers: [RevocationController],
  providers: [...LOCAL_STORES, REVOCABLE_TOKEN_STORES_PROVIDER, RevocationService],
})
export class RevocationModule {}
