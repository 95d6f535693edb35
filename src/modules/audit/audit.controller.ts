import { Controller, Get, Header, Query, UseGuards } from '@nestjs/common';
import { invalidInput } from '../../common/admin/admin.exception';
import { single } from '../../common/admin/list-query';
import { AdminGuard } from '../admin-auth/admin.guard';
import { AuditService, type AuditEntryDto } from './audit.service';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** `GET /admin/v1/audit?instance=&action=&limit=&before=`: audit events, newest first. */
@Controller('admin/v1/audit')
@UseGuards(AdminGuard)
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  list(@Query() query: Record<string, unknown>): Promise<AuditEntryDto[]> {
    const instance = single(query, 'instance');
    const action = single(query, 'action');
    const limit = single(query, 'limit');
    const before = single(query, 'before');
    if (limit !== undefined && (!/^\d{1,4}$/.test(limit) || +limit < 1 || +limit > MAX_LIMIT)) throw invalidInput('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
    if (before !== undefined && !/^\d{1,18}$/.test(before)) throw invalidInput('before', 'must be an event Id');
    return this.audit.list({ instance, action, before, limit: limit === undefined ? DEFAULT_LIMIT : +limit });
  }
}
