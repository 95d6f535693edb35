import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { readListQuery } from '../../common/admin/list-query';
import { adminValidationPipe } from '../../common/admin/validation';
import { AdminGuard } from '../admin-auth/admin.guard';
import { AdminAuditInterceptor } from '../audit/admin-audit.interceptor';
import { InstancesService } from '../instances/instances.service';
import { TrustedApplicationCreateDto, TrustedApplicationPatchDto } from './dto/trusted-application.dto';
import { trustedApplicationResponse } from './trusted-application.response';
import { TrustedApplicationsService } from './trusted-applications.service';

@Controller('admin/v1/instances/:name/trusted-applications')
@UseGuards(AdminGuard)
@UseInterceptors(AdminAuditInterceptor)
@UsePipes(adminValidationPipe())
export class TrustedApplicationsController {
  constructor(
    private readonly instances: InstancesService,
    private readonly service: TrustedApplicationsService,
  ) {}

  @Post()
  async create(@Param('name') name: string, @Body() dto: TrustedApplicationCreateDto) {
    const instance = await this.instances.getByName(name);
    return trustedApplicationResponse(await this.service.create(instance, dto));
  }

  @Get()
  /** `?limit=&after={ApplicationUri}` pages by ApplicationUri. */
  async list(@Param('name') name: string, @Query() query: Record<string, unknown>) {
    const page = readListQuery(query);
    const instance = await this.instances.getByName(name);
    return (await this.service.list(instance, page)).map(trustedApplicationResponse);
  }

  @Get(':uri')
  async get(@Param('name') name: string, @Param('uri') uri: string) {
    const instance = await this.instances.getByName(name);
    return trustedApplicationResponse(await this.service.get(instance, uri));
  }

  @Put(':uri')
  async replace(@Param('name') name: string, @Param('uri') uri: string, @Body() dto: TrustedApplicationCreateDto) {
    const instance = await this.instances.getByName(name);
    return trustedApplicationResponse(await this.service.replace(instance, uri, dto));
  }

  @Patch(':uri')
  async patch(@Param('name') name: string, @Param('uri') uri: string, @Body() dto: TrustedApplicationPatchDto) {
    const instance = await this.instances.getByName(name);
    return trustedApplicationResponse(await this.service.patch(instance, uri, dto));
  }

  @Delete(':uri')
  @HttpCode(204)
  async remove(@Param('name') name: string, @Param('uri') uri: string): Promise<void> {
    const instance = await this.instances.getByName(name);
    await this.service.remove(instance, uri);
  }
}
