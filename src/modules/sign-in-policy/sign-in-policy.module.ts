import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { PasswordSignIn } from './password-sign-in.service';
import { SignInFailuresModule } from './sign-in-failures.module';

/** Password sign-in under the instance's lockout policy. */
@Module({
  imports: [UsersModule, SignInFailuresModule],
  providers: [PasswordSignIn],
  exports: [PasswordSignIn],
})
export class SignInPolicyModule {}
