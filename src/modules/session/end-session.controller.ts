import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import { formBody } from '../../common/http/form-body';
import type { Tenant } from '../../common/tenant/tenant';
import { EndSessionService } from './end-session.service';

/** OIDC RP-Initiated Logout 1.0 (GET and POST), and the confirmation form it shows without a valid hint. */
@Controller('id/connect')
export class EndSessionController {
  constructor(private readonly service: EndSessionService) {}

  @Get('endsession')
  get(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.service.endSession(tenant, (req.query ?? {}) as Record<string, unknown>, req, reply);
  }

  @Post('endsession')
  post(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    // RP-Initiated Logout §2: a POST is form-serialized; anything else is refused (the error page).
    return this.service.endSession(tenant, formBody(req), req, reply);
  }
}
