import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { readListQuery } from '../../common/admin/list-query';
import { adminValidationPipe } from '../../common/admin/validation';
import { AdminGuard } from '../admin-auth/admin.guard';
import { AdminAuditInterceptor } from '../audit/admin-audit.interceptor';
import { InstanceCreateDto, InstanceUpdateDto } from './dto/instance.dto';
import { instanceResponse } from './instance.response';
import { InstancesService } from './instances.service';

@Controller('admin/v1/instances')
@UseGuards(AdminGuard)
@UseInterceptors(AdminAuditInterceptor)
@UsePipes(adminValidationPipe())
export class InstancesController {
  constructor(private readonly service: InstancesService) {}

  @Post()
  async create(@Body() dto: InstanceCreateDto) {
    return instanceResponse(await this.service.create(dto));
  }

  /** `?limit=&after={Name}` pages by Name; `?host=` answers the instance that serves that host (or none). */
  @Get()
  async list(@Query() query: Record<string, unknown>) {
    const { host, ...page } = readListQuery(query, ['host']);
    if (host !== undefined) {
      const served = await this.service.findByHost(host.toLowerCase().replace(/:\d+$/, ''));
      return served ? [instanceResponse(await this.service.getByName(served.name))] : [];
    }
    return (await this.service.list(page)).map(instanceResponse);
  }

  @Get(':name')
  async get(@Param('name') name: string) {
    return instanceResponse(await this.service.getByName(name));
  }

  @Patch(':name')
  async update(@Param('name') name: string, @Body() dto: InstanceUpdateDto) {
    return instanceResponse(await this.service.update(name, dto));
  }

  @Delete(':name')
  @HttpCode(204)
  async remove(@Param('name') name: string): Promise<void> {
    await this.service.remove(name);
  }
}
