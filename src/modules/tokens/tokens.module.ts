import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { AccessTokenVerifier } from './access-token-verifier';

/** What every endpoint that accepts this instance's access tokens needs (introspection, userinfo). */
@Module({
  imports: [KeysModule],
  providers: [AccessTokenVerifier],
  exports: [AccessTokenVerifier],
})
export class TokensModule {}
