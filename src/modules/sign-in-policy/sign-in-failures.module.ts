import { Module } from '@nestjs/common';
import { SignInFailuresRepository } from './sign-in-failures.repository';

/** The shared failed-sign-in counters, for the sign-in check and for the admin API's unlock. */
@Module({
  providers: [SignInFailuresRepository],
  exports: [SignInFailuresRepository],
})
export class SignInFailuresModule {}
