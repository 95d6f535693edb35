import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { UserinfoService } from './userinfo.service';

/** OIDC Core §5.3, by GET or POST; RFC 6750 errors with a Bearer challenge. */
@Controller('id/connect')
export class UserinfoController {
  constructor(private readonly service: UserinfoService) {}

  @Get('userinfo')
  get(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.respond(tenant, req, reply);
  }

  @Post('userinfo')
  @HttpCode(200)
  post(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.respond(tenant, req, reply);
  }

  private async respond(tenant: Tenant, req: FastifyRequest, reply: FastifyReply) {
    const claims = await this.service.claims(tenant, req);
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    return claims;
  }
}
