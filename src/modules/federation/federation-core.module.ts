import { Module } from '@nestjs/common';
import { FederationService } from './federation.service';

/** The upstream-provider client, shared by the sign-in pages and by sign-out. */
@Module({
  providers: [FederationService],
  exports: [FederationService],
})
export class FederationCoreModule {}
