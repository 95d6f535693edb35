import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { readListQuery } from '../../common/admin/list-query';
import { adminValidationPipe } from '../../common/admin/validation';
import { AdminGuard } from '../admin-auth/admin.guard';
import { AdminAuditInterceptor } from '../audit/admin-audit.interceptor';
import type { InstanceRecord } from '../../common/tenant/tenant';
import { InstancesService } from '../instances/instances.service';
import { UserCreateDto, UserPatchDto } from './dto/user.dto';
import type { UserEntity } from './user.entity';
import { userResponse } from './user.response';
import { UsersService } from './users.service';

@Controller('admin/v1/instances/:name/users')
@UseGuards(AdminGuard)
@UseInterceptors(AdminAuditInterceptor)
@UsePipes(adminValidationPipe())
export class UsersController {
  constructor(
    private readonly instances: InstancesService,
    private readonly service: UsersService,
  ) {}

  @Post()
  async create(@Param('name') name: string, @Body() dto: UserCreateDto) {
    const instance = await this.instances.getByName(name);
    return userResponse(await this.service.create(instance, dto));
  }

  /** `?limit=&after={Login}` pages by Login. */
  @Get()
  async list(@Param('name') name: string, @Query() query: Record<string, unknown>) {
    const page = readListQuery(query);
    const instance = await this.instances.getByName(name);
    return this.withLocks(instance, await this.service.list(instance, page));
  }

  @Get(':login')
  async get(@Param('name') name: string, @Param('login') login: string) {
    const instance = await this.instances.getByName(name);
    return (await this.withLocks(instance, [await this.service.get(instance, login)]))[0];
  }

  @Patch(':login')
  async patch(@Param('name') name: string, @Param('login') login: string, @Body() dto: UserPatchDto) {
    const instance = await this.instances.getByName(name);
    return (await this.withLocks(instance, [await this.service.patch(instance, login, dto)]))[0];
  }

  @Delete(':login')
  @HttpCode(204)
  async remove(@Param('name') name: string, @Param('login') login: string): Promise<void> {
    const instance = await this.instances.getByName(name);
    await this.service.remove(instance, login);
  }

  /** The responses, with LockedUntil for users whose sign-in is locked now. */
  private async withLocks(instance: InstanceRecord, users: UserEntity[]) {
    const locks = await this.service.lockedUntil(instance, users);
    return users.map((u) => userResponse(u, locks.get(u.id) ?? null));
  }
}
