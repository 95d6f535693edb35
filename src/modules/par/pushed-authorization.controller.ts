import { Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formBody } from '../../common/http/form-body';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { PushedAuthorizationService } from './pushed-authorization.service';

/** `POST /id/connect/par` (RFC 9126 §2): 201 with the request_uri the browser then brings to the authorization endpoint. */
@Controller('id/connect')
export class PushedAuthorizationController {
  constructor(private readonly service: PushedAuthorizationService) {}

  @Post('par')
  @HttpCode(201)
  async push(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const response = await this.service.push(tenant, formBody(req), authorization);
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    return response;
  }
}
