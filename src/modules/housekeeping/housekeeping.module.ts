import { Module } from '@nestjs/common';
import { AdminAuthModule } from '../admin-auth/admin-auth.module';
import { AuditModule } from '../audit/audit.module';
import { InstancesModule } from '../instances/instances.module';
import { KeysModule } from '../keys/keys.module';
import { HousekeepingController } from './housekeeping.controller';
import { HousekeepingService } from './housekeeping.service';

/** Purges expired codes, tokens, sessions and links, and rotates due signing keys (see housekeeping.service.ts). */
@Module({
  imports: [AdminAuthModule, AuditModule, InstancesModule, KeysModule],
  controllers: [HousekeepingController],
  providers: [HousekeepingService],
  exports: [HousekeepingService],
})
export class HousekeepingModule {}
