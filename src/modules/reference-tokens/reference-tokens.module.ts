import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module';
import { TrustedApplicationsModule } from '../trusted-applications/trusted-applications.module';
import { UsersModule } from '../users/users.module';
import { ReferenceTokenRevocationStore } from './reference-token-revocation.store';
import { ReferenceTokensController } from './reference-tokens.controller';
import { ReferenceTokensService } from './reference-tokens.service';

@Module({
  imports: [InstancesModule, TrustedApplicationsModule, UsersModule],
  controllers: [ReferenceTokensController],
  providers: [ReferenceTokensService, ReferenceTokenRevocationStore],
  exports: [ReferenceTokensService, ReferenceTokenRevocationStore],
})
export class ReferenceTokensModule {}
