import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { UsersModule } from '../users/users.module';
import { IdTokenHintVerifier } from './id-token-hint';
import { SessionsService } from './sessions.service';

/** Sessions and the id_token_hint check, for the authorization endpoint as well as the sign-in pages. */
@Module({
  imports: [KeysModule, UsersModule],
  providers: [SessionsService, IdTokenHintVerifier],
  exports: [SessionsService, IdTokenHintVerifier],
})
export class SessionStoreModule {}
