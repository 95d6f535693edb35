import { Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formBody } from '../../common/http/form-body';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { IntrospectionService } from './introspection.service';

@Controller('id/connect')
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionService) {}

  @Post('introspect')
  @HttpCode(200)
  async introspect(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const response = await this.introspection.introspect(tenant, formBody(req), authorization);
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    return response;
  }
}
