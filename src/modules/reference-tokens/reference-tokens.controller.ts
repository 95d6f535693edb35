import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { adminValidationPipe } from '../../common/admin/validation';
import { AdminGuard } from '../admin-auth/admin.guard';
import { AdminAuditInterceptor } from '../audit/admin-audit.interceptor';
import { InstancesService } from '../instances/instances.service';
import { ReferenceTokenCreateDto } from './dto/reference-token.dto';
import { issuedReferenceTokenResponse, referenceTokenResponse } from './reference-token.response';
import { ReferenceTokensService } from './reference-tokens.service';

@Controller('admin/v1/instances/:name/reference-tokens')
@UseGuards(AdminGuard)
@UseInterceptors(AdminAuditInterceptor)
@UsePipes(adminValidationPipe())
export class ReferenceTokensController {
  constructor(
    private readonly instances: InstancesService,
    private readonly service: ReferenceTokensService,
  ) {}

  /** 201 with the token, shown this once. */
  @Post()
  @Header('Cache-Control', 'no-store')
  async create(@Param('name') name: string, @Body() dto: ReferenceTokenCreateDto) {
    const instance = await this.instances.getByName(name);
    const { entity, token } = await this.service.issue(instance, dto);
    return issuedReferenceTokenResponse(entity, token);
  }

  @Get()
  async list(@Param('name') name: string) {
    const instance = await this.instances.getByName(name);
    return (await this.service.list(instance)).map(referenceTokenResponse);
  }

  @Get(':id')
  async get(@Param('name') name: string, @Param('id') id: string) {
    const instance = await this.instances.getByName(name);
    return referenceTokenResponse(await this.service.get(instance, id));
  }

  /** Revokes: the token stops working on the next request; it stays listed with RevokedAt. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('name') name: string, @Param('id') id: string): Promise<void> {
    const instance = await this.instances.getByName(name);
    await this.service.revoke(instance, id);
  }
}
