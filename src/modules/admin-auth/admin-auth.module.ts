import { Module } from '@nestjs/common';
import { AdminKeyGuesses } from './admin-key-guesses';
import { AdminKeyService } from './admin-key.service';
import { AdminGuard } from './admin.guard';

@Module({
  providers: [AdminKeyService, AdminKeyGuesses, AdminGuard],
  exports: [AdminKeyService, AdminKeyGuesses, AdminGuard],
})
export class AdminAuthModule {}
