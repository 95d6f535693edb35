import { Module } from '@nestjs/common';
import { CorsOrigins } from './cors-origins';

/** CORS for browser applications: which origins each instance admits (see cors.hook.ts). */
@Module({
  providers: [CorsOrigins],
  exports: [CorsOrigins],
})
export class CorsModule {}
