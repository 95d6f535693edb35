import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module';
import { SignInFailuresModule } from '../sign-in-policy/sign-in-failures.module';
import { PasswordHasher } from './password-hasher';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [InstancesModule, SignInFailuresModule],
  controllers: [UsersController],
  providers: [UsersService, PasswordHasher],
  exports: [UsersService, PasswordHasher],
})
export class UsersModule {}
