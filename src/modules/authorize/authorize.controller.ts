import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formBody } from '../../common/http/form-body';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { AuthorizeService } from './authorize.service';

/** OIDC Core §3.1.2.1: the authorization endpoint accepts GET (query) and POST (form). */
@Controller('id/connect')
export class AuthorizeController {
  constructor(private readonly service: AuthorizeService) {}

  @Get('authorize')
  get(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.service.authorize(tenant, (req.query ?? {}) as Record<string, unknown>, req, reply);
  }

  @Post('authorize')
  post(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.service.authorize(tenant, formBody(req), req, reply);
  }
}
