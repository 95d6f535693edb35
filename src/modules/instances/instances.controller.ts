import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
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

  @Get()
  async list() {
    return (await this.service.list()).map(instanceResponse);
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
