import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { stringParam } from '@app/oauth-core';
import { invalidInput } from '../../common/admin/admin.exception';
import { AdminGuard } from '../admin-auth/admin.guard';
import { MailService } from './mail.service';

/** `GET /admin/v1/outbox?to=` — mail the server would send, newest first, when no SMTP_URL is set. */
@Controller('admin/v1/outbox')
@UseGuards(AdminGuard)
export class OutboxController {
  constructor(private readonly mail: MailService) {}

  @Get()
  list(@Query() query: Record<string, unknown>) {
    if (query.to !== undefined && typeof query.to !== 'string') throw invalidInput('to', 'must be given once');
    return this.mail.outbox(stringParam(query, 'to'));
  }
}
