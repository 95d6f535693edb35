import { Body, Controller, Get, HttpCode, Param, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { assertNoBody } from '../../common/admin/validation';
import { AdminGuard } from '../admin-auth/admin.guard';
import { AdminAuditInterceptor } from '../audit/admin-audit.interceptor';
import { InstancesService } from '../instances/instances.service';
import type { KeyView } from './keys.service';
import { KeysService } from './keys.service';

const keyResponse = ({ entity, state }: KeyView) => ({
  Kid: entity.kid,
  State: state,
  CreatedAt: entity.createdAt,
  ActivatesAt: entity.activatesAt,
  RetiresAt: entity.retiresAt,
  ExpiresAt: entity.expiresAt,
  PublicKey: entity.publicJwk,
});

@Controller('admin/v1/instances/:name/keys')
@UseGuards(AdminGuard)
@UseInterceptors(AdminAuditInterceptor)
export class KeysController {
  constructor(
    private readonly instances: InstancesService,
    private readonly keys: KeysService,
  ) {}

  @Get()
  async list(@Param('name') name: string) {
    const instance = await this.instances.getByName(name);
    return (await this.keys.list(instance.id)).map(keyResponse);
  }

  @Post('rotate')
  @HttpCode(201)
  async rotate(@Param('name') name: string, @Body() body: unknown) {
    assertNoBody(body);
    const instance = await this.instances.getByName(name);
    return (await this.keys.rotate(instance)).map(keyResponse);
  }
}
