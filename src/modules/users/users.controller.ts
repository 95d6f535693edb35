import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards, UsePipes } from '@nestjs/common';
import { adminValidationPipe } from '../../common/admin/validation';
import { AdminGuard } from '../admin-auth/admin.guard';
import { InstancesService } from '../instances/instances.service';
import { UserCreateDto, UserPatchDto } from './dto/user.dto';
import { userResponse } from './user.response';
import { UsersService } from './users.service';

@Controller('admin/v1/instances/:name/users')
@UseGuards(AdminGuard)
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

  @Get()
  async list(@Param('name') name: string) {
    const instance = await this.instances.getByName(name);
    return (await this.service.list(instance)).map(userResponse);
  }

  @Get(':login')
  async get(@Param('name') name: string, @Param('login') login: string) {
    const instance = await this.instances.getByName(name);
    return userResponse(await this.service.get(instance, login));
  }

  @Patch(':login')
  async patch(@Param('name') name: string, @Param('login') login: string, @Body() dto: UserPatchDto) {
    const instance = await this.instances.getByName(name);
    return userResponse(await this.service.patch(instance, login, dto));
  }

  @Delete(':login')
  @HttpCode(204)
  async remove(@Param('name') name: string, @Param('login') login: string): Promise<void> {
    const instance = await this.instances.getByName(name);
    await this.service.remove(instance, login);
  }
}
