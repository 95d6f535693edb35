import { Module } from '@nestjs/common';
import { AdminKeyService } from './admin-key.service';
import { AdminGuard } from './admin.guard';

@Module({
  providers: [AdminKeyService, AdminGuard],
  exports: [AdminKeyService, AdminGuard],
})
export class AdminAuthModule {}
