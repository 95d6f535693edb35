import { Body, Controller, HttpCode, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { assertNoBody } from '../../common/admin/validation';
import { AdminGuard } from '../admin-auth/admin.guard';
import { AdminAuditInterceptor } from '../audit/admin-audit.interceptor';
import { HousekeepingService } from './housekeeping.service';

/** `POST /admin/v1/housekeeping`: purge expired rows and rotate due keys now; say how many rows of each kind went, and whose keys. */
@Controller('admin/v1/housekeeping')
@UseGuards(AdminGuard)
@UseInterceptors(AdminAuditInterceptor)
export class HousekeepingController {
  constructor(private readonly housekeeping: HousekeepingService) {}

  @Post()
  @HttpCode(200)
  async run(@Body() body: unknown) {
    assertNoBody(body);
    return this.housekeeping.run();
  }
}
