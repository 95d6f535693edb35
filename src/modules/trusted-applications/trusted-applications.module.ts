import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module';
import { UsersModule } from '../users/users.module';
import { TrustedApplicationsController } from './trusted-applications.controller';
import { TrustedApplicationsService } from './trusted-applications.service';

@Module({
  imports: [InstancesModule, UsersModule],
  controllers: [TrustedApplicationsController],
  providers: [TrustedApplicationsService],
  exports: [TrustedApplicationsService],
})
export class TrustedApplicationsModule {}
