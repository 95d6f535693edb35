import { Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentTenant } from '../../common/tenant/current-tenant.decorator';
import type { Tenant } from '../../common/tenant/tenant';
import { formBody } from '../../common/http/form-body';
import { TokenService } from './token.service';

@Controller('id/connect')
export class TokenController {
  constructor(private readonly tokens: TokenService) {}

  @Post('token')
  @HttpCode(200)
  async token(@CurrentTenant() tenant: Tenant, @Req() req: FastifyRequest, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const response = await this.tokens.exchange(tenant, formBody(req), authorization);
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    return response;
  }
}
