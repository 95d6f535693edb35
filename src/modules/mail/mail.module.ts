import { Module } from '@nestjs/common';
import { AdminAuthModule } from '../admin-auth/admin-auth.module';
import { MailService } from './mail.service';
import { OutboxController } from './outbox.controller';

@Module({
  imports: [AdminAuthModule],
  controllers: [OutboxController],
  providers: [MailService],
  exports: [MailService],
})
export class MailModule {}
