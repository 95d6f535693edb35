import { Module } from '@nestjs/common';
import { KeysService } from './keys.service';
import { TokenSigner } from './token-signer.service';

@Module({
  providers: [KeysService, TokenSigner],
  exports: [KeysService, TokenSigner],
})
export class KeysModule {}
