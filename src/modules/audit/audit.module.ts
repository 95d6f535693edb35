import { Global, Module } from '@nestjs/common';
import { AdminAuthModule } from '../admin-auth/admin-auth.module';
import { AdminAuditInterceptor } from './admin-audit.interceptor';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

/** The audit log: every admin mutation (an interceptor) plus the sign-ins and sign-outs the session code reports. */
@Global()
@Module({
  imports: [AdminAuthModule],
  controllers: [AuditController],
  providers: [AuditService, AdminAuditInterceptor],
  // Bound to the admin controllers only (@UseInterceptors), so protocol routes never pay for it.
  exports: [AuditService, AdminAuditInterceptor],
})
export class AuditModule {}
