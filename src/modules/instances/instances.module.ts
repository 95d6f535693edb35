import { Module } from '@nestjs/common';
import { AdminAuthModule } from '../admin-auth/admin-auth.module';
import { KeysController } from '../keys/keys.controller';
import { KeysModule } from '../keys/keys.module';
import { InstancesController } from './instances.controller';
import { InstancesService } from './instances.service';

@Module({
  imports: [KeysModule, AdminAuthModule],
  controllers: [InstancesController, KeysController],
  providers: [InstancesService],
  exports: [InstancesService, AdminAuthModule],
})
export class InstancesModule {}
